using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The deployment controller, reduced to what clients observe: no node runs pods here, so a Deployment's rollout
/// completes at once. Its status reports every replica updated, ready and available, with the Available and
/// Progressing conditions a finished rollout has, so <c>kubectl rollout status</c> and <c>helm --wait</c> return.
/// </summary>
public sealed partial class ObjectStore
{
    private static bool IsDeployment(ResourceType type) => type is { Group: "apps", Plural: "deployments" };

    /// <summary>Whether the deployment controller has a rollout to record for <paramref name="deployment"/>.</summary>
    private static bool RolloutPending(JsonObject deployment) =>
        deployment["metadata"]?["deletionTimestamp"] is null
        && JsonNumbers.Long(deployment["status"]?["observedGeneration"]) != Generation((JsonObject)deployment["metadata"]!);

    private void ReconcileDeployment(ResourceType type, JsonObject deployment)
    {
        if (!RolloutPending(deployment))
        {
            return;
        }

        var meta = (JsonObject)deployment["metadata"]!;
        var replicas = (int?)JsonNumbers.Long(deployment["spec"]?["replicas"]) ?? 1;
        var now = Now();
        var replicaSet = $"{(string)meta["name"]!}-{Math.Abs((deployment["spec"]?["template"]?.ToJsonString() ?? "").GetHashCode(StringComparison.Ordinal)) % 0xFFFFFFF:x7}";
        var status = new JsonObject { ["observedGeneration"] = Generation(meta) };
        if (replicas > 0)
        {
            status["replicas"] = replicas;
            status["updatedReplicas"] = replicas;
            status["readyReplicas"] = replicas;
            status["availableReplicas"] = replicas;
        }

        status["conditions"] = new JsonArray(
            new JsonObject { ["type"] = "Available", ["status"] = "True", ["reason"] = "MinimumReplicasAvailable", ["message"] = "Deployment has minimum availability.", ["lastUpdateTime"] = now, ["lastTransitionTime"] = now },
            new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["reason"] = "NewReplicaSetAvailable", ["message"] = $"ReplicaSet \"{replicaSet}\" has successfully progressed.", ["lastUpdateTime"] = now, ["lastTransitionTime"] = now });
        var next = Clone(deployment);
        next["status"] = status;
        UpdateLocked(type, deployment, next, status: true, fieldManager: null, checkVersion: false);
    }
}
