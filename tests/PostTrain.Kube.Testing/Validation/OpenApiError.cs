using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>The codes of k8s.io/kube-openapi pkg/validation/errors that kube-apiserver maps to field errors.</summary>
internal enum OpenApiErrorCode
{
    InvalidType,
    Required,
    TooLong,
    TooShort,
    Pattern,
    Enum,
    MultipleOf,
    Maximum,
    Minimum,
    Unique,
    MaxItems,
    MinItems,
    TooFewProperties,
    TooManyProperties,
    UnallowedProperty,
    MultipleOfMustBePositive,

    /// <summary>Not an errors.Validation (anyOf/oneOf/allOf/not summaries): kube reports it at the validator's root path.</summary>
    Composite,
}

/// <summary>One kube-openapi validation error: its code, the path it names (<c>spec.x</c>), the offending value and the message.</summary>
/// <param name="Code">The error code.</param>
/// <param name="Name">The kube-openapi path, e.g. <c>spec.models[0].name</c>; empty at the root.</param>
/// <param name="Value">The value Go would hold: string, long, double, bool, a JsonNode for compound values, or null.</param>
/// <param name="Valid">The limit (maxLength, maxItems, maxProperties) where the code has one.</param>
/// <param name="Values">The enum values of an Enum error.</param>
/// <param name="Message">The kube-openapi message, e.g. <c>spec.x in body should be greater than or equal to 1</c>.</param>
internal sealed record OpenApiError(OpenApiErrorCode Code, string Name, object? Value, long? Valid, IReadOnlyList<JsonNode?>? Values, string Message);
