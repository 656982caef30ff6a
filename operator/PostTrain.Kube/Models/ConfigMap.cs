namespace PostTrain.Kube.Models;

/// <summary>core/v1 ConfigMap.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "ConfigMap", PluralName = "configmaps")]
public sealed class ConfigMap : KubernetesObject
{
    /// <summary>UTF-8 entries.</summary>
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Binary entries, base64.</summary>
    public Dictionary<string, string>? BinaryData { get; set; }
}
