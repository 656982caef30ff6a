namespace PostTrain.Api.Schema;

/// <summary>Marks a class as a custom resource kind and names it, as KubeOps' attribute of the same name does.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KubernetesEntityAttribute : Attribute
{
    /// <summary>The API group, e.g. <c>posttrain.dev</c>.</summary>
    public required string Group { get; init; }

    /// <summary>The version, e.g. <c>v1alpha1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>The kind, e.g. <c>SftJob</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The plural resource name, e.g. <c>sftjobs</c>.</summary>
    public required string PluralName { get; init; }

    /// <summary>Short names accepted by kubectl, e.g. <c>sft</c>.</summary>
    public string[] ShortNames { get; init; } = [];

    /// <summary>Categories the kind belongs to (<c>kubectl get CATEGORY</c>).</summary>
    public string[] Categories { get; init; } = [];
}
