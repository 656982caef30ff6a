using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using BatchJob = PostTrain.Kube.Models.Job;

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
            && JsonNode.DeepEquals(a.Tolerations is { Count: > 0 } ta ? ta : null, b.Tolerations is { Count: > 0 } tb ? tb : null)
            && JsonNode.DeepEquals(a.Affinity?["nodeAffinity"], b.Affinity?["nodeAffinity"])
            && current.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel) == desired.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel);

        static JsonNode? Selector(Dictionary<string, string>? selector) =>
            selector is { Count: > 0 } ? JsonSerializer.SerializeToNode(selector, KubeJson.Options) : null;
    }

    /// <summary>Copies <paramref name="desired"/>'s scheduling directives onto <paramref name="target"/> (other affinities stay).</summary>
    public static void Apply(BatchJob target, BatchJob desired)
    {
        var from = desired.Spec.Template.Spec;
        var to = target.Spec.Template.Spec;
        to.NodeSelector = from.NodeSelector is { Count: > 0 } selector ? new(selector) : null;
        to.Tolerations = from.Tolerations?.DeepClone().AsArray();
        var affinity = to.Affinity?.DeepClone().AsObject() ?? [];
        affinity.Remove("nodeAffinity");
        if (from.Affinity?["nodeAffinity"] is { } nodeAffinity)
        {
            affinity["nodeAffinity"] = nodeAffinity.DeepClone();
        }

        to.Affinity = affinity.Count > 0 ? affinity : null;
        var queue = desired.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel);
        target.Metadata.Labels ??= [];
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
