using k8s.Models;

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
    public static (string Action, string Message)? Evaluate(V1PodFailurePolicy policy, V1Pod pod)
    {
        var rules = policy.Rules ?? [];
        for (var index = 0; index < rules.Count; index++)
        {
            var rule = rules[index];
            var action = rule.Action ?? "Count";
            if (rule.OnExitCodes is { } onExitCodes && MatchExitCodes(pod, onExitCodes) is { } container)
            {
                return (action, $"Container {container.Name} for pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} failed with exit code {container.ExitCode} matching {action} rule at index {index}");
            }

            if (rule.OnPodConditions is { } onPodConditions && MatchConditions(pod, onPodConditions) is { } condition)
            {
                return (action, $"Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} has condition {condition} matching {action} rule at index {index}");
            }
        }

        return null;
    }

    private static (string Name, long ExitCode)? MatchExitCodes(V1Pod pod, V1PodFailurePolicyOnExitCodesRequirement requirement)
    {
        var name = requirement.ContainerName;
        var isIn = (requirement.OperatorProperty ?? "In") == "In";
        var values = (requirement.Values ?? []).Select(v => (long)v).ToHashSet();
        foreach (var status in (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []))
        {
            if (name is not null && status.Name != name || status.State?.Terminated is not { } terminated)
            {
                continue;
            }

            long exitCode = terminated.ExitCode;
            if (exitCode != 0 && values.Contains(exitCode) == isIn)
            {
                return (status.Name, exitCode);
            }
        }

        return null;
    }

    private static string? MatchConditions(V1Pod pod, IList<V1PodFailurePolicyOnPodConditionsPattern> patterns)
    {
        var conditions = pod.Status?.Conditions ?? [];
        foreach (var pattern in patterns)
        {
            var type = pattern.Type;
            var status = pattern.Status ?? "True";
            if (conditions.Any(c => c.Type == type && c.Status == status))
            {
                return type;
            }
        }

        return null;
    }
}
