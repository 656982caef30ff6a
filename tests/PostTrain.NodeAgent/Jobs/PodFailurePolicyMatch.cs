using System.Text.Json.Nodes;
using PostTrain.Kube.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// batch/v1 podFailurePolicy applied to one failed pod, as kube's job controller does: rules in order; onExitCodes
/// (optionally one containerName; In or NotIn; exit code 0 never matches) against terminated init and regular
/// containers; onPodConditions (type, status defaulting to True) against the pod's conditions. The first matching
/// rule's action (FailJob, Ignore, Count, FailIndex) wins; no match means Count.
/// </summary>
internal static class PodFailurePolicyMatch
{
    /// <summary>The action and the message naming the rule, or null when no rule matches.</summary>
    public static (string Action, string Message)? Evaluate(JsonObject policy, Pod pod)
    {
        var rules = (policy["rules"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        for (var index = 0; index < rules.Count; index++)
        {
            var rule = rules[index];
            var action = rule.Text("action") ?? "Count";
            if (rule["onExitCodes"] is JsonObject onExitCodes && MatchExitCodes(pod, onExitCodes) is { } container)
            {
                return (action, $"Container {container.Name} for pod {pod.Metadata.Namespace}/{pod.Metadata.Name} failed with exit code {container.ExitCode} matching {action} rule at index {index}");
            }

            if (rule["onPodConditions"] is JsonArray onPodConditions && MatchConditions(pod, onPodConditions) is { } condition)
            {
                return (action, $"Pod {pod.Metadata.Namespace}/{pod.Metadata.Name} has condition {condition} matching {action} rule at index {index}");
            }
        }

        return null;
    }

    private static (string Name, long ExitCode)? MatchExitCodes(Pod pod, JsonObject requirement)
    {
        var name = requirement.Text("containerName");
        var isIn = (requirement.Text("operator") ?? "In") == "In";
        var values = (requirement["values"] as JsonArray ?? []).Select(v => v is JsonValue value && value.TryGetValue<long>(out var code) ? code : long.MinValue).ToHashSet();
        foreach (var status in (pod.Status?.ContainerStatuses ?? []).Concat(InitContainerStatuses(pod)))
        {
            if (name is not null && status.Name != name || status.State?["terminated"] is not JsonObject terminated)
            {
                continue;
            }

            var exitCode = terminated.Number("exitCode") ?? 0;
            if (exitCode != 0 && values.Contains(exitCode) == isIn)
            {
                return (status.Name, exitCode);
            }
        }

        return null;
    }

    private static IEnumerable<ContainerStatus> InitContainerStatuses(Pod pod) =>
        pod.Status?.ExtensionData.Field("initContainerStatuses") is JsonArray statuses
            ? statuses.OfType<JsonObject>().Select(s => new ContainerStatus { Name = s.Text("name") ?? "", State = s["state"]?.DeepClone() as JsonObject })
            : [];

    private static string? MatchConditions(Pod pod, JsonArray patterns)
    {
        var conditions = (pod.Status?.Conditions ?? []).OfType<JsonObject>().ToList();
        foreach (var pattern in patterns.OfType<JsonObject>())
        {
            var type = pattern.Text("type");
            var status = pattern.Text("status") ?? "True";
            if (conditions.Any(c => c.Text("type") == type && c.Text("status") == status))
            {
                return type;
            }
        }

        return null;
    }
}
