using System.Text.Json.Nodes;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>Where and in which order the worker pods are scheduled; copied into the pod spec.</summary>
public sealed class SchedulingSpec
{
    /// <summary>Labels a node must carry (pod nodeSelector).</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Pod tolerations (core/v1 Toleration objects), passed through unchanged.</summary>
    [PreserveUnknownFields]
    public List<JsonObject>? Tolerations { get; set; }

    /// <summary>Pod affinity (a core/v1 Affinity object), passed through unchanged.</summary>
    [PreserveUnknownFields]
    public JsonObject? Affinity { get; set; }

    /// <summary>The pods' PriorityClass.</summary>
    public string? PriorityClassName { get; set; }

    /// <summary>The scheduler that places the pods; unset uses the default scheduler.</summary>
    public string? SchedulerName { get; set; }

    /// <summary>The Kueue LocalQueue to submit to (sets the kueue.x-k8s.io/queue-name label and starts the Job suspended).</summary>
    public string? QueueName { get; set; }
}
