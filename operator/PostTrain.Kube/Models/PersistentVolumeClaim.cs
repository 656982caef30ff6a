using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>core/v1 PersistentVolumeClaim.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "PersistentVolumeClaim", PluralName = "persistentvolumeclaims")]
public sealed class PersistentVolumeClaim : KubernetesObject
{
    /// <summary>Desired state.</summary>
    public PersistentVolumeClaimSpec Spec { get; set; } = new();

    /// <summary>Observed state.</summary>
    public PersistentVolumeClaimStatus? Status { get; set; }
}

/// <summary>core/v1 PersistentVolumeClaimSpec.</summary>
public sealed class PersistentVolumeClaimSpec
{
    /// <summary>ReadWriteOnce, ReadWriteMany, ...</summary>
    public List<string>? AccessModes { get; set; }

    /// <summary>Requested storage ({"requests": {"storage": "10Gi"}}).</summary>
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Storage class.</summary>
    public string? StorageClassName { get; set; }

    /// <summary>Bound volume.</summary>
    public string? VolumeName { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 PersistentVolumeClaimStatus.</summary>
public sealed class PersistentVolumeClaimStatus
{
    /// <summary>Pending, Bound or Lost.</summary>
    public string? Phase { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
