namespace PostTrain.Api.Schema;

/// <summary>
/// A CEL rule evaluated by the API server (<c>x-kubernetes-validations</c>). On a class the rule is attached to
/// every schema of that type; on a property, to that property's schema only.
/// </summary>
/// <param name="rule">The CEL expression; <c>self</c> is the value, <c>oldSelf</c> the previous value on update.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class ValidationRuleAttribute(string rule) : Attribute
{
    /// <summary>The CEL expression.</summary>
    public string Rule { get; } = rule;

    /// <summary>The message shown when the rule fails.</summary>
    public string? Message { get; init; }

    /// <summary>Optional machine-readable reason: FieldValueInvalid, FieldValueForbidden, FieldValueRequired, FieldValueDuplicate.</summary>
    public string? Reason { get; init; }

    /// <summary>Optional JSON path, relative to <c>self</c>, of the field the failure is reported on.</summary>
    public string? FieldPath { get; init; }
}
