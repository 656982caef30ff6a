namespace PostTrain.Operator.Workers;

/// <summary>The worker's /status JSON: <c>{job, kind, phase, progress, checkpoint}</c>.</summary>
public sealed class WorkerStatus
{
    /// <summary>The job name.</summary>
    public string? Job { get; set; }

    /// <summary>The job kind.</summary>
    public string? Kind { get; set; }

    /// <summary>The worker's own phase.</summary>
    public string? Phase { get; set; }

    /// <summary>Progress so far.</summary>
    public WorkerProgress? Progress { get; set; }

    /// <summary>The newest complete checkpoint.</summary>
    public WorkerCheckpoint? Checkpoint { get; set; }
}
