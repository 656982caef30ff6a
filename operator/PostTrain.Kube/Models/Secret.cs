namespace PostTrain.Kube.Models;

/// <summary>core/v1 Secret.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Secret", PluralName = "secrets")]
public sealed class Secret : KubernetesObject
{
    /// <summary>Entries, base64.</summary>
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Write-only plain entries.</summary>
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>Secret type.</summary>
    public string? Type { get; set; }
}
