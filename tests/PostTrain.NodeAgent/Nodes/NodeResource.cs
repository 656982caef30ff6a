using System.Text.Json.Nodes;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Nodes;

/// <summary>core/v1 Node, with spec and status kept as JSON (the agent writes them whole).</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Node", PluralName = "nodes", Namespaced = false)]
internal sealed class NodeResource : KubernetesObject
{
    /// <summary>Spec (podCIDR, podCIDRs).</summary>
    public JsonObject? Spec { get; set; }

    /// <summary>Status (conditions, addresses, daemonEndpoints, nodeInfo, capacity, allocatable).</summary>
    public JsonObject? Status { get; set; }
}
