using System.Text.Json.Nodes;

namespace PostTrain.Kube.Models;

/// <summary>networking.k8s.io/v1 NetworkPolicy; the spec is kept as JSON (podSelector, policyTypes, ingress, egress).</summary>
[KubernetesEntity(Group = "networking.k8s.io", ApiVersion = "v1", Kind = "NetworkPolicy", PluralName = "networkpolicies")]
public sealed class NetworkPolicy : KubernetesObject
{
    /// <summary>Desired state.</summary>
    public JsonObject Spec { get; set; } = [];
}
