namespace PostTrain.Api.Schema;

/// <summary>The property must be present: it is listed in the parent schema's <c>required</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;
