namespace PostTrain.Kube.Testing.Validation;

/// <summary>One entry of a schema's <c>x-kubernetes-validations</c>.</summary>
/// <param name="Rule">The CEL expression over <c>self</c> (and <c>oldSelf</c> for a transition rule).</param>
/// <param name="Message">The message when the rule is false, or null.</param>
/// <param name="MessageExpression">A CEL expression producing the message, or null.</param>
/// <param name="Reason">FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</param>
/// <param name="FieldPath">A JSONPath-like path (<c>.a.b</c>, <c>['k']</c>) the error is reported at, relative to the schema.</param>
/// <param name="OptionalOldSelf">Whether the rule also runs without an old value (oldSelf then an optional).</param>
internal sealed record ValidationRule(string Rule, string? Message, string? MessageExpression, string? Reason, string? FieldPath, bool OptionalOldSelf);
