using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace PostTrain.Kube.Models;

/// <summary>A custom resource with a typed spec and status, on the official client's object interfaces.</summary>
/// <typeparam name="TSpec">The spec type.</typeparam>
/// <typeparam name="TStatus">The status type.</typeparam>
public abstract class CustomResource<TSpec, TStatus> : KubernetesObject, IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>, IStatus<TStatus?>
    where TSpec : new()
{
    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state.</summary>
    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>Observed state, written through the status subresource.</summary>
    [JsonPropertyName("status")]
    public TStatus? Status { get; set; }
}
