using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// One field-level validation error, printed as kube-apiserver 1.34 prints it (k8s.io/apimachinery
/// pkg/util/validation/field/errors.go, Error and ErrorBody): <c>FIELD: TITLE[: VALUE][: DETAIL]</c>, e.g.
/// <c>spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1</c>.
/// </summary>
public sealed class FieldError
{
    /// <summary>Marks a bad value that is not printed (field.OmitValueType).</summary>
    internal static readonly object Omit = new();

    private FieldError(FieldErrorType type, string field, object? badValue, string detail)
    {
        Type = type;
        Field = field;
        Detail = detail;
        Value = badValue == Omit ? null : Render(badValue);
        Body = Format(type, Value, detail);
    }

    /// <summary>What kind of error this is.</summary>
    public FieldErrorType Type { get; }

    /// <summary>The field path, e.g. <c>spec.models[0].name</c>; <c>&lt;nil&gt;</c> where kube has no path.</summary>
    public string Field { get; }

    /// <summary>The bad value as kube prints it (a Go %q string, a number, JSON), or null where it is omitted.</summary>
    public string? Value { get; }

    /// <summary>The detail after the value, possibly empty.</summary>
    public string Detail { get; }

    /// <summary>The Status cause reason, e.g. FieldValueInvalid.</summary>
    public string Reason => Type.Reason();

    /// <summary>The message without the field (ErrorBody), e.g. <c>Invalid value: -1: ...</c>; a Status cause's message.</summary>
    public string Body { get; }

    /// <summary>The whole message, <c>FIELD: BODY</c>.</summary>
    public override string ToString() => $"{Field}: {Body}";

    internal static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    internal static FieldError TypeInvalid(string field, object? value, string detail) => new(FieldErrorType.TypeInvalid, field, value, detail);

    internal static FieldError Required(string field, string detail) => new(FieldErrorType.Required, field, "", detail);

    internal static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, "", detail);

    internal static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");

    internal static FieldError Internal(string field, string detail) => new(FieldErrorType.Internal, field, "", detail);

    /// <summary>field.NotSupported: the detail lists the supported values, each strconv.Quote'd.</summary>
    internal static FieldError NotSupported(string field, object? value, IReadOnlyList<string> supported) =>
        new(FieldErrorType.NotSupported, field, value,
            supported.Count == 0 ? "" : "supported values: " + string.Join(", ", supported.Select(GoFormat.Quote)));

    /// <summary>field.TooLong: the value is never printed; the detail counts bytes.</summary>
    internal static FieldError TooLong(string field, long max) =>
        new(FieldErrorType.TooLong, field, "<value omitted>",
            max >= 0 ? string.Create(CultureInfo.InvariantCulture, $"may not be more than {max} {(max == 1 ? "byte" : "bytes")}") : "value is too long");

    /// <summary>field.TooMany: the actual count is printed when known.</summary>
    internal static FieldError TooMany(string field, long actual, long max) =>
        new(FieldErrorType.TooMany, field, actual >= 0 ? actual : Omit,
            max >= 0 ? string.Create(CultureInfo.InvariantCulture, $"must have at most {max} {(max == 1 ? "item" : "items")}") : "has too many items");

    /// <summary>A bad value as ErrorBody prints it: %v for numbers and booleans, %q for strings, JSON otherwise.</summary>
    internal static string Render(object? value) => value switch
    {
        null => "null",
        string s => GoFormat.Quote(s),
        bool b => b ? "true" : "false",
        long l => GoFormat.Int(l),
        int i => GoFormat.Int(i),
        double d => GoFormat.Float(d),
        JsonNode node => JsonData.Kind(node) switch
        {
            GoKind.String => GoFormat.Quote(JsonData.String(node)),
            GoKind.Bool => JsonData.Bool(node) ? "true" : "false",
            GoKind.Int64 => JsonData.TryInt64(node, out var n) ? GoFormat.Int(n) : node.ToJsonString(),
            GoKind.Float64 => GoFormat.Float(JsonData.Double(node)),
            _ => GoFormat.Json(node),
        },
        _ => throw new ArgumentException($"unsupported bad value {value.GetType()}", nameof(value)),
    };

    private static string Format(FieldErrorType type, string? value, string detail)
    {
        var body = type switch
        {
            FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal => type.Title(),
            _ => value is null ? type.Title() : $"{type.Title()}: {value}",
        };
        return detail.Length == 0 ? body : $"{body}: {detail}";
    }
}
