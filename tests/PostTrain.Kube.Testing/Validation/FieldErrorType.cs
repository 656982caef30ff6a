namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The kinds of field error kube-apiserver reports (k8s.io/apimachinery/pkg/util/validation/field ErrorType); the
/// reason of a Status cause is <see cref="FieldErrorTypes.Reason"/>.
/// </summary>
public enum FieldErrorType
{
    /// <summary>FieldValueNotFound: "Not found".</summary>
    NotFound,

    /// <summary>FieldValueRequired: "Required value".</summary>
    Required,

    /// <summary>FieldValueDuplicate: "Duplicate value".</summary>
    Duplicate,

    /// <summary>FieldValueInvalid: "Invalid value".</summary>
    Invalid,

    /// <summary>FieldValueNotSupported: "Unsupported value".</summary>
    NotSupported,

    /// <summary>FieldValueForbidden: "Forbidden".</summary>
    Forbidden,

    /// <summary>FieldValueTooLong: "Too long".</summary>
    TooLong,

    /// <summary>FieldValueTooMany: "Too many".</summary>
    TooMany,

    /// <summary>InternalError: "Internal error".</summary>
    Internal,

    /// <summary>FieldValueTypeInvalid: "Invalid value" (the value did not match the schema's type).</summary>
    TypeInvalid,
}

/// <summary>The text forms of <see cref="FieldErrorType"/> (field/errors.go: the ErrorType constants and String()).</summary>
public static class FieldErrorTypes
{
    /// <summary>The machine-readable reason, e.g. FieldValueInvalid (a Status cause's <c>reason</c>).</summary>
    public static string Reason(this FieldErrorType type) => type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The human-readable title, e.g. "Invalid value".</summary>
    public static string Title(this FieldErrorType type) => type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Internal => "Internal error",
        FieldErrorType.TypeInvalid => "Invalid value",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
