using PostTrain.Api.Schema;

namespace PostTrain.Api.Status;

/// <summary>The observed state of a job, written by the operator.</summary>
public sealed class JobStatus
{
    /// <summary>Pending, WaitingForDependency, Running, Succeeded, Failed or Suspended.</summary>
    public JobPhase? Phase { get; set; }

    /// <summary>Conditions: Ready, Progressing, Failed, Suspended, DependencyReady.</summary>
    [ListMap("type")]
    public List<Condition>? Conditions { get; set; }

    /// <summary>Live progress.</summary>
    public ProgressStatus? Progress { get; set; }

    /// <summary>The newest complete checkpoint.</summary>
    public CheckpointStatus? Checkpoint { get; set; }

    /// <summary>The outcome, once finished.</summary>
    public ResultStatus? Result { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    [RangeMinimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>When the worker started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>When the job finished.</summary>
    public DateTimeOffset? CompletionTime { get; set; }
}
