using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// The scheduling directives of a batch Job that Kubernetes lets change while it is suspended and has not started:
/// the pod template's node selector, tolerations and node affinity, and the Kueue queue label.
/// </summary>
internal static class BatchJobScheduling
{
    /// <summary>Whether <paramref name="current"/> carries <paramref name="desired"/>'s scheduling directives.</summary>
    public static bool Same(BatchJob current, BatchJob desired)
    {
        var a = current.Spec.Template.Spec;
        var b = desired.Spec.Template.Spec;
        return JsonNode.DeepEquals(Selector(a.NodeSelector), Selector(b.NodeSelector))
            && JsonNode.DeepEquals(KubeJson.ToNode(a.Tolerations is { Count: > 0 } ta ? ta : null), KubeJson.ToNode(b.Tolerations is { Count: > 0 } tb ? tb : null))
            && JsonNode.DeepEquals(KubeJson.ToNode(a.Affinity?.NodeAffinity), KubeJson.ToNode(b.Affinity?.NodeAffinity))
            && current.GetLabel(ChildNames.QueueLabel) == desired.GetLabel(ChildNames.QueueLabel);

        static JsonNode? Selector(IDictionary<string, string>? selector) =>
            selector is { Count: > 0 } ? KubeJson.ToNode(selector) : null;
    }

    /// <summary>Copies <paramref name="desired"/>'s scheduling directives onto <paramref name="target"/> (other affinities stay).</summary>
    public static void Apply(BatchJob target, BatchJob desired)
    {
        var from = desired.Spec.Template.Spec;
        var to = target.Spec.Template.Spec;
        to.NodeSelector = from.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null;
        to.Tolerations = from.Tolerations is null ? null : KubeJson.Clone(from.Tolerations);
        var affinity = to.Affinity is null ? new V1Affinity() : KubeJson.Clone(to.Affinity);
        affinity.NodeAffinity = from.Affinity?.NodeAffinity is { } nodeAffinity ? KubeJson.Clone(nodeAffinity) : null;
        to.Affinity = affinity.NodeAffinity is null && affinity.PodAffinity is null && affinity.PodAntiAffinity is null ? null : affinity;
        var queue = desired.GetLabel(ChildNames.QueueLabel);
        target.Metadata.Labels ??= new Dictionary<string, string>();
        if (queue is null)
        {
            target.Metadata.Labels.Remove(ChildNames.QueueLabel);
        }
        else
        {
            target.Metadata.Labels[ChildNames.QueueLabel] = queue;
        }
    }
}
