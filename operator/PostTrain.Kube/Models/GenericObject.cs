using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace PostTrain.Kube.Models;

/// <summary>Any object: apiVersion, kind and metadata typed, everything else kept as it came in <see cref="ExtensionData"/>.</summary>
public sealed class GenericObject : KubernetesObject, IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The object's other fields (spec, status, data...), as they came.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
