using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Scheduling;

/// <summary>
/// The scheduler of a one-node cluster: binds every pending pod meant for the default scheduler to this node through
/// <c>pods/NAME/binding</c>. It filters only on what decides whether a pod could ever run here (nodeSelector
/// against the Node's labels, claimed PersistentVolumeClaims existing); it does not schedule by resources, GPUs,
/// affinity, taints or topology. A pod that does not fit gets PodScheduled False (Unschedulable) and is tried again.
/// </summary>
internal sealed class PodScheduler(
    KubernetesClient client,
    Indexer<V1Pod> pods,
    Indexer<V1PersistentVolumeClaim> claims,
    string nodeName,
    IReadOnlyDictionary<string, string> nodeLabels,
    EventRecorder events,
    TimeSpan retryInterval,
    ILogger logger) : IReconciler
{
    /// <summary>The scheduler name pods get by default.</summary>
    public const string DefaultSchedulerName = "default-scheduler";

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var pod = pods.Get(request.ToString());
        if (pod is null || !string.IsNullOrEmpty(pod.Spec.NodeName) || pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return ReconcileResult.Done;
        }

        var scheduler = pod.Spec.SchedulerName ?? DefaultSchedulerName;
        if (scheduler != DefaultSchedulerName)
        {
            return ReconcileResult.Done;
        }

        if (Unschedulable(pod) is { } why)
        {
            await ReportUnschedulableAsync(pod, why, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(retryInterval);
        }

        try
        {
            await client.Pods.CreateSubresourceAsync(
                pod.Metadata.Name!,
                "binding",
                new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Binding",
                    ["metadata"] = new JsonObject { ["name"] = pod.Metadata.Name, ["uid"] = pod.Metadata.Uid },
                    ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = nodeName },
                },
                pod.Metadata.NamespaceProperty,
                cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // deleted meanwhile, or bound by someone else: nothing to do
            return ReconcileResult.Done;
        }

        logger.LogDebug("bound pod {Namespace}/{Pod} to {Node}", pod.Metadata.NamespaceProperty, pod.Metadata.Name, nodeName);
        await events.RecordAsync(pod, EventRecorder.Normal, "Scheduled", "Binding", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {nodeName}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private string? Unschedulable(V1Pod pod)
    {
        if (pod.Spec.NodeSelector is { Count: > 0 } selector && selector.Any(s => !nodeLabels.TryGetValue(s.Key, out var value) || value != s.Value))
        {
            return "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
        }

        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.PersistentVolumeClaim?.ClaimName is { } claim && claims.Get(pod.Metadata.NamespaceProperty, claim) is null)
            {
                return $"0/1 nodes are available: persistentvolumeclaim \"{claim}\" not found.";
            }
        }

        return null;
    }

    private async Task ReportUnschedulableAsync(V1Pod pod, string message, CancellationToken cancellationToken)
    {
        var current = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (current?.Status == "False" && current.Message == message)
        {
            return;
        }

        var condition = new JsonObject
        {
            ["type"] = "PodScheduled",
            ["status"] = "False",
            ["reason"] = "Unschedulable",
            ["message"] = message,
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = JsonFields.Timestamp(DateTimeOffset.UtcNow),
        };
        try
        {
            await client.Pods.PatchAsync(pod.Metadata.Name!, PatchType.StrategicMerge, new JsonObject { ["status"] = new JsonObject { ["conditions"] = new JsonArray(condition) } }, pod.Metadata.NamespaceProperty, status: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await events.RecordAsync(pod, EventRecorder.Warning, "FailedScheduling", "Scheduling", message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            // deleted meanwhile
        }
    }
}
