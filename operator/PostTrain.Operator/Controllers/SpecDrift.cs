using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Operator.Workers;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>When a changed spec field can still reach a job's existing children.</summary>
public enum FieldMutability
{
    /// <summary>Any time: <c>suspend</c>, <c>backoffLimit</c>, <c>activeDeadlineSeconds</c>, <c>ttlSecondsAfterFinished</c>.</summary>
    Always,

    /// <summary>
    /// While the batch Job is suspended (Kubernetes lets a suspended Job that has not started change its pod
    /// template's scheduling directives): <c>scheduling.nodeSelector</c>, <c>scheduling.tolerations</c>,
    /// <c>scheduling.affinity.nodeAffinity</c>, and the Kueue <c>scheduling.queueName</c>.
    /// </summary>
    WhileSuspended,

    /// <summary>Never once the children exist: everything the worker reads, the image, resources, ...</summary>
    Never,
}

/// <summary>
/// The spec fields that differ between the job.json a job's children were created from and the job.json its
/// current spec renders, and when each may still change (<see cref="FieldMutability"/>). A model <c>source</c> that
/// an older operator chained as a pod-local checkpoint path equals its <c>pvc://</c> form
/// (<see cref="CheckpointLocations.Normalize"/>), so an upgrade reports no change for it.
/// </summary>
public static class SpecDrift
{
    private static readonly string[] AlwaysMutable = ["spec.suspend", "spec.backoffLimit", "spec.activeDeadlineSeconds", "spec.ttlSecondsAfterFinished"];

    private static readonly string[] MutableWhileSuspended = ["spec.scheduling.nodeSelector", "spec.scheduling.tolerations", "spec.scheduling.affinity.nodeAffinity", "spec.scheduling.queueName"];

    /// <summary>The dotted paths under <c>spec</c> whose values differ (objects are compared key by key, arrays whole).</summary>
    /// <param name="current">The job.json the children carry.</param>
    /// <param name="desired">The job.json the current spec renders.</param>
    public static IReadOnlyList<string> ChangedFields(string current, string desired)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        if (current == desired)
        {
            return [];
        }

        var changed = new List<string>();
        Compare(JsonNode.Parse(current)?["spec"], JsonNode.Parse(desired)?["spec"], "spec", changed);
        return changed;
    }

    /// <summary>When a changed field (a path from <see cref="ChangedFields"/>) may still change.</summary>
    public static FieldMutability Mutability(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (AlwaysMutable.Any(p => Within(path, p)))
        {
            return FieldMutability.Always;
        }

        return MutableWhileSuspended.Any(p => Within(path, p)) ? FieldMutability.WhileSuspended : FieldMutability.Never;
    }

    /// <summary>
    /// The changed fields (from <see cref="ChangedFields"/>) that did not reach the batch Job: those that can never
    /// change, and the scheduling directives while the batch Job does not carry them yet.
    /// </summary>
    internal static List<(string Field, FieldMutability Mutability)> Ignored(IReadOnlyList<string> drift, BatchJob batch, BatchJob desired)
    {
        var schedulingApplied = BatchJobScheduling.Same(batch, desired);
        return drift
            .Select(f => (Field: f, Mutability: Mutability(f)))
            .Where(f => f.Mutability == FieldMutability.Never || (f.Mutability == FieldMutability.WhileSuspended && !schedulingApplied))
            .ToList();
    }

    /// <summary>The message of SpecApplied False for the <paramref name="ignored"/> fields (from <see cref="Ignored"/>, not empty).</summary>
    internal static string DescribeIgnored(IReadOnlyList<(string Field, FieldMutability Mutability)> ignored)
    {
        var parts = new List<string>();
        if (ignored.Where(f => f.Mutability == FieldMutability.Never).Select(f => f.Field).ToList() is { Count: > 0 } never)
        {
            parts.Add($"{string.Join(", ", never)} cannot change once the job's workload exists (delete and re-create the job to change them)");
        }

        if (ignored.Where(f => f.Mutability == FieldMutability.WhileSuspended).Select(f => f.Field).ToList() is { Count: > 0 } scheduling)
        {
            parts.Add($"{string.Join(", ", scheduling)} can change only while the job is suspended (applied when it is next suspended)");
        }

        return "ignored: " + string.Join("; ", parts);
    }

    private static bool Within(string path, string prefix) =>
        path == prefix || (path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] is '.' or '[');

    private static void Compare(JsonNode? a, JsonNode? b, string path, List<string> changed)
    {
        if ((a is JsonObject || b is JsonObject) && a is null or JsonObject && b is null or JsonObject)
        {
            var left = a as JsonObject ?? [];
            var right = b as JsonObject ?? [];
            foreach (var key in left.Select(p => p.Key).Union(right.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                Compare(left[key], right[key], path + "." + key, changed);
            }

            if ((a is null || b is null) && left.Count + right.Count == 0)
            {
                // An empty object where there was none (or the reverse) is a change too.
                changed.Add(path);
            }

            return;
        }

        if (!Equivalent(a, b, path[(path.LastIndexOf('.') + 1)..]))
        {
            changed.Add(path);
        }
    }

    /// <summary>Deep equality, except that the strings of a <c>source</c> member compare by their chained form.</summary>
    private static bool Equivalent(JsonNode? a, JsonNode? b, string key)
    {
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                return x.Count == y.Count && x.All(p => y.TryGetPropertyValue(p.Key, out var other) && Equivalent(p.Value, other, p.Key));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(p => Equivalent(p.First, p.Second, key));
            case (JsonValue x, JsonValue y) when key == "source" && x.TryGetValue<string>(out var left) && y.TryGetValue<string>(out var right):
                return CheckpointLocations.Normalize(left) == CheckpointLocations.Normalize(right);
            default:
                return JsonNode.DeepEquals(a, b);
        }
    }
}
