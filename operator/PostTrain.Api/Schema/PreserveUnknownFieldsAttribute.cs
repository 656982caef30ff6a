namespace PostTrain.Api.Schema;

/// <summary>The property holds opaque JSON passed through untouched (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;
