using PostTrain.Api.Schema;

namespace PostTrain.Api.Status;

/// <summary>One aspect of the job's state (metav1.Condition).</summary>
public sealed class Condition
{
    /// <summary>The condition type in CamelCase, e.g. Ready, Progressing, Failed.</summary>
    [Required]
    [Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")]
    [Length(MaxLength = 316)]
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    [Required]
    public ConditionStatus Status { get; set; } = ConditionStatus.Unknown;

    /// <summary>The metadata.generation the condition was set for.</summary>
    [RangeMinimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>When the status last changed.</summary>
    [Required]
    public DateTimeOffset LastTransitionTime { get; set; }

    /// <summary>A CamelCase reason for the last transition.</summary>
    [Required]
    [Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")]
    [Length(MinLength = 1, MaxLength = 1024)]
    public string Reason { get; set; } = "";

    /// <summary>A human-readable message about the transition.</summary>
    [Required]
    [Length(MaxLength = 32768)]
    public string Message { get; set; } = "";
}
