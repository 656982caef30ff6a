using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Pods as kube-apiserver treats them: a new pod is Pending with the defaults its strategy fills in; the scheduler
/// (here: a node agent) binds it to a node through <c>pods/NAME/binding</c>; deleting a pod that a node runs is
/// graceful (deletionTimestamp and deletionGracePeriodSeconds are set and the kubelet stops the containers, then
/// deletes the pod with a grace period of 0), while a pod no node runs, or one already finished, goes at once.
/// </summary>
public sealed partial class ObjectStore
{
    /// <summary>kube's default terminationGracePeriodSeconds.</summary>
    public const long DefaultGracePeriodSeconds = 30;

    /// <summary>Binds a pod to a node (what the scheduler does through the binding subresource).</summary>
    public void Bind(ResourceType type, string ns, string name, string node)
    {
        lock (_gate)
        {
            var pod = Find(type, ns, name) ?? throw ApiStatusException.NotFound(type, name);
            if ((string?)pod["spec"]?["nodeName"] is { Length: > 0 } bound)
            {
                throw ApiStatusException.Conflict(type, name, $"pod {name} is already assigned to node \"{bound}\"");
            }

            if (pod["metadata"]?["deletionTimestamp"] is not null)
            {
                throw ApiStatusException.Conflict(type, name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            var next = Clone(pod);
            ((JsonObject)next["spec"]!)["nodeName"] = node;
            var status = next["status"] as JsonObject ?? new JsonObject();
            next["status"] = status;
            var conditions = status["conditions"] as JsonArray ?? [];
            conditions.Add(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastTransitionTime"] = Now() });
            status["conditions"] = conditions;
            Commit(type, "MODIFIED", pod, next);
        }
    }

    /// <summary>A new pod: Pending, restartPolicy Always, terminationGracePeriodSeconds 30, the default scheduler.</summary>
    private static void DefaultPod(JsonObject pod)
    {
        var spec = pod["spec"] as JsonObject ?? new JsonObject();
        pod["spec"] = spec;
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= DefaultGracePeriodSeconds;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
        }

        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
    }

    /// <summary>
    /// Whether deleting <paramref name="pod"/> with <paramref name="gracePeriodSeconds"/> (null: the pod's own) is
    /// graceful: a node runs it, it has not finished, and the grace period is not 0. Returns the grace period.
    /// </summary>
    private static long? GracefulPodDeletion(ResourceType type, JsonObject pod, long? gracePeriodSeconds)
    {
        if (type is not { Group: "", Plural: "pods" } || (string?)pod["spec"]?["nodeName"] is not { Length: > 0 })
        {
            return null;
        }

        if ((string?)pod["status"]?["phase"] is "Succeeded" or "Failed")
        {
            return null;
        }

        var grace = gracePeriodSeconds ?? JsonNumbers.Long(pod["spec"]?["terminationGracePeriodSeconds"]) ?? DefaultGracePeriodSeconds;
        if (JsonNumbers.Long(pod["metadata"]?["deletionGracePeriodSeconds"]) is { } already && pod["metadata"]?["deletionTimestamp"] is not null)
        {
            // A second delete can only shorten the grace period.
            grace = Math.Min(grace, already);
        }

        return grace > 0 ? grace : null;
    }
}
