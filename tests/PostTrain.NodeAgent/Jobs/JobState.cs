using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>The counted part of a Job's status (what the controller must not lose between syncs), and its conditions.</summary>
internal sealed class JobState
{
    /// <summary>Pods (NonIndexed) or indexes (Indexed) that succeeded.</summary>
    public int Succeeded { get; set; }

    /// <summary>Failed pods counted against backoffLimit.</summary>
    public int Failed { get; set; }

    /// <summary>Indexes that succeeded (Indexed Jobs).</summary>
    public SortedSet<int> CompletedIndexes { get; private init; } = [];

    /// <summary>When the Job started (first unsuspended), reset when it resumes.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the Job completed.</summary>
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>Conditions, in the order they were added.</summary>
    public List<JsonObject> Conditions { get; private init; } = [];

    /// <summary>Whether a Complete or Failed condition is True.</summary>
    public bool IsFinished => IsTrue("Complete") || IsTrue("Failed");

    /// <summary>The state recorded in <paramref name="status"/>.</summary>
    public static JobState From(V1JobStatus? status) => new()
    {
        Succeeded = status?.Succeeded ?? 0,
        Failed = status?.Failed ?? 0,
        CompletedIndexes = Jobs.CompletedIndexes.Parse(status?.CompletedIndexes),
        StartTime = Utc(status?.StartTime),
        CompletionTime = Utc(status?.CompletionTime),
        Conditions = (status?.Conditions ?? []).Select(c => new JsonObject
        {
            ["type"] = c.Type,
            ["status"] = c.Status,
            ["reason"] = c.Reason,
            ["message"] = c.Message,
            ["lastProbeTime"] = Utc(c.LastProbeTime) is { } probe ? JsonFields.Timestamp(probe) : null,
            ["lastTransitionTime"] = Utc(c.LastTransitionTime) is { } transition ? JsonFields.Timestamp(transition) : null,
        }).ToList(),
    };

    /// <summary>An API time (UTC) as an offset time.</summary>
    public static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    /// <summary>A copy to change.</summary>
    public JobState Clone() => new()
    {
        Succeeded = Succeeded,
        Failed = Failed,
        CompletedIndexes = new SortedSet<int>(CompletedIndexes),
        StartTime = StartTime,
        CompletionTime = CompletionTime,
        Conditions = Conditions.Select(c => (JsonObject)c.DeepClone()).ToList(),
    };

    /// <summary>Whether condition <paramref name="type"/> is True.</summary>
    public bool IsTrue(string type) => Conditions.Any(c => c.Text("type") == type && c.Text("status") == "True");

    /// <summary>The reason and message of a True condition.</summary>
    public (string Reason, string Message)? Reason(string type) =>
        Conditions.FirstOrDefault(c => c.Text("type") == type && c.Text("status") == "True") is { } c ? (c.Text("reason") ?? "", c.Text("message") ?? "") : null;

    /// <summary>Sets a condition; returns whether its status changed (a new transition).</summary>
    public bool SetCondition(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var existing = Conditions.FindIndex(c => c.Text("type") == type);
        if (existing >= 0 && Conditions[existing].Text("status") == status)
        {
            return false;
        }

        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = reason,
            ["message"] = message,
            ["lastProbeTime"] = JsonFields.Timestamp(now),
            ["lastTransitionTime"] = JsonFields.Timestamp(now),
        };
        if (existing >= 0)
        {
            Conditions[existing] = condition;
        }
        else
        {
            Conditions.Add(condition);
        }

        return true;
    }

    /// <summary>
    /// The status as a merge patch body: zero counters and unset times are null (removed, as kube omits them);
    /// ready and terminating are always present.
    /// </summary>
    public JsonObject ToJson(int active, int ready, int terminating, bool indexed)
    {
        static JsonNode? Count(int value) => value > 0 ? value : null;
        return new JsonObject
        {
            ["active"] = Count(active),
            ["ready"] = ready,
            ["terminating"] = terminating,
            ["succeeded"] = Count(Succeeded),
            ["failed"] = Count(Failed),
            ["startTime"] = StartTime is { } start ? JsonFields.Timestamp(start) : null,
            ["completionTime"] = CompletionTime is { } done ? JsonFields.Timestamp(done) : null,
            ["completedIndexes"] = indexed && CompletedIndexes.Count > 0 ? Jobs.CompletedIndexes.Format(CompletedIndexes) : null,
            ["conditions"] = Conditions.Count > 0 ? new JsonArray(Conditions.Select(c => (JsonNode?)c.DeepClone()).ToArray()) : null,
        };
    }
}
