namespace PostTrain.Kube.Models;

/// <summary>Declares the REST resource a model is served as (group, version, kind, plural, scope).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KubernetesEntityAttribute : Attribute
{
    /// <summary>API group; "" for the core group.</summary>
    public string Group { get; set; } = "";

    /// <summary>API version, e.g. "v1".</summary>
    public string ApiVersion { get; set; } = "v1";

    /// <summary>Kind.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Plural resource name used in URLs.</summary>
    public string PluralName { get; set; } = "";

    /// <summary>Whether objects live in a namespace.</summary>
    public bool Namespaced { get; set; } = true;
}
