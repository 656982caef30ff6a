using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>
/// Base of every model: apiVersion, kind, metadata, and an extension-data bag so fields the model does not
/// declare survive a read-modify-write round trip.
/// </summary>
public abstract class KubernetesObject : IKubernetesObject
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; }

    /// <inheritdoc />
    public string? Kind { get; set; }

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Fields the model does not declare, kept as they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
