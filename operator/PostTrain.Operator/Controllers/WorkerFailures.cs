using System.Globalization;
using k8s.Models;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;

namespace PostTrain.Operator.Controllers;

/// <summary>A worker pod whose container exited with an error (not a preemption).</summary>
/// <param name="Rank">The pod's rank: its completion index (0 for single-node jobs).</param>
/// <param name="Pod">The pod's name.</param>
/// <param name="PodUid">The pod's uid.</param>
/// <param name="ExitCode">The container's exit code.</param>
/// <param name="Message">The worker's message (from its result JSON), else the raw termination message or reason.</param>
/// <param name="FinishedAt">When the container exited, when known.</param>
public sealed record WorkerFailure(int Rank, string Pod, string? PodUid, int ExitCode, string? Message, DateTimeOffset? FinishedAt)
{
    /// <summary>"rank R (pod P) failed with exit code C: message".</summary>
    public string Describe() =>
        $"rank {Rank} (pod {Pod}) failed with exit code {ExitCode}" + (Message is { Length: > 0 } m ? ": " + m : "");
}

/// <summary>
/// Reads the failures of a job's worker pods from their container states. Every rank writes its termination
/// message, so a failure of any rank is seen with its rank named, not only rank 0's. Preemptions (exit 143, or the
/// pod condition <c>DisruptionTarget</c>) are not failures: the pod failure policy ignores them.
/// </summary>
public static class WorkerFailures
{
    /// <summary>The failures among <paramref name="pods"/>, oldest first (pods without a finish time last, by rank).</summary>
    public static IReadOnlyList<WorkerFailure> From(IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var failures = new List<WorkerFailure>();
        foreach (var pod in pods)
        {
            var worker = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == ChildNames.WorkerContainer);
            var terminated = worker?.State?.Terminated ?? worker?.LastState?.Terminated;
            if (terminated is null || terminated.ExitCode is 0 or 143 || Disrupted(pod))
            {
                continue;
            }

            var exitCode = terminated.ExitCode;
            var raw = terminated.Message;
            var result = WorkerJson.TryReadResult(raw);
            if (result?.Phase == WorkerPhases.Preempted)
            {
                continue;
            }

            var message = result is not null ? result.Message : raw?.Trim();
            if (string.IsNullOrEmpty(message))
            {
                message = terminated.Reason;
            }

            DateTimeOffset? finishedAt = terminated.FinishedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
            failures.Add(new WorkerFailure(Rank(pod), pod.Metadata.Name ?? "", pod.Metadata.Uid, exitCode, message, finishedAt));
        }

        return failures
            .OrderBy(f => f.FinishedAt ?? DateTimeOffset.MaxValue)
            .ThenBy(f => f.Rank)
            .ToList();
    }

    /// <summary>
    /// The message of a failed job. One node: the newest failure's message (what the retried worker said last).
    /// Several nodes: each failed rank's newest failure, the rank that failed first leading, since the other ranks
    /// usually fail because it did.
    /// </summary>
    public static string? Summarize(IReadOnlyList<WorkerFailure> failures, bool multiNode)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (failures.Count == 0)
        {
            return null;
        }

        if (!multiNode)
        {
            return failures[^1].Message is { Length: > 0 } m ? m : failures[^1].Describe();
        }

        var newestPerRank = failures.GroupBy(f => f.Rank).Select(g => g.Last()).OrderBy(f => f.FinishedAt ?? DateTimeOffset.MaxValue).ThenBy(f => f.Rank).ToList();
        var text = string.Join("; ", newestPerRank.Select(f => f.Describe()));
        return newestPerRank.Count > 1 ? $"{newestPerRank.Count} ranks failed, first {text}" : text;
    }

    /// <summary>The pod's rank: its completion index annotation, else 0.</summary>
    public static int Rank(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.GetAnnotation(ChildNames.CompletionIndexAnnotation) is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : 0;
    }

    private static bool Disrupted(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "DisruptionTarget" && c.Status == "True") == true;
}
