namespace PostTrain.Api.Schema;

/// <summary>
/// The string property also accepts an integer (<c>x-kubernetes-int-or-string</c>), as Kubernetes quantities do
/// (<c>cpu: 4</c> or <c>cpu: "500m"</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IntOrStringAttribute : Attribute;
