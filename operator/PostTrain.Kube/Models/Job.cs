using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>batch/v1 Job.</summary>
[KubernetesEntity(Group = "batch", ApiVersion = "v1", Kind = "Job", PluralName = "jobs")]
public sealed class Job : KubernetesObject
{
    /// <summary>Desired state.</summary>
    public JobSpec Spec { get; set; } = new();

    /// <summary>Observed state.</summary>
    public JobStatus? Status { get; set; }
}

/// <summary>batch/v1 JobSpec.</summary>
public sealed class JobSpec
{
    /// <summary>Pod template.</summary>
    public PodTemplateSpec Template { get; set; } = new();

    /// <summary>Parallel pods.</summary>
    public int? Parallelism { get; set; }

    /// <summary>Successful pods needed.</summary>
    public int? Completions { get; set; }

    /// <summary>NonIndexed or Indexed.</summary>
    public string? CompletionMode { get; set; }

    /// <summary>Retries before the Job fails.</summary>
    public int? BackoffLimit { get; set; }

    /// <summary>Deadline for the whole Job.</summary>
    public long? ActiveDeadlineSeconds { get; set; }

    /// <summary>Cleanup delay after finishing.</summary>
    public int? TtlSecondsAfterFinished { get; set; }

    /// <summary>Pod failure policy, kept as JSON.</summary>
    public JsonObject? PodFailurePolicy { get; set; }

    /// <summary>Whether the Job is suspended.</summary>
    public bool? Suspend { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>batch/v1 JobStatus.</summary>
public sealed class JobStatus
{
    /// <summary>Running pods.</summary>
    public int? Active { get; set; }

    /// <summary>Succeeded pods.</summary>
    public int? Succeeded { get; set; }

    /// <summary>Failed pods.</summary>
    public int? Failed { get; set; }

    /// <summary>When the Job started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the Job completed.</summary>
    public DateTimeOffset? CompletionTime { get; set; }

    /// <summary>Conditions (Complete, Failed, Suspended, ...).</summary>
    public List<JobCondition>? Conditions { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>batch/v1 JobCondition.</summary>
public sealed class JobCondition
{
    /// <summary>Type.</summary>
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    public string Status { get; set; } = "";

    /// <summary>Reason.</summary>
    public string? Reason { get; set; }

    /// <summary>Message.</summary>
    public string? Message { get; set; }

    /// <summary>Last transition.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>Last probe.</summary>
    public DateTimeOffset? LastProbeTime { get; set; }
}
