namespace PostTrain.Api.Worker;

/// <summary>
/// The worker's <c>/status</c> document, which the operator polls while a job runs:
/// <c>{job, kind, phase, progress, checkpoint}</c>. Written with <see cref="WorkerJson.Serialize(WorkerStatus)"/>,
/// read with <see cref="WorkerJson.TryReadStatus"/>.
/// </summary>
public sealed class WorkerStatus
{
    /// <summary>The job name.</summary>
    public string? Job { get; set; }

    /// <summary>The job kind (SftJob, RlvrJob, EvalJob).</summary>
    public string? Kind { get; set; }

    /// <summary>The worker's own phase: Pending, Running, then the job's outcome (see <see cref="WorkerPhases"/>).</summary>
    public string? Phase { get; set; }

    /// <summary>Progress so far.</summary>
    public WorkerProgress? Progress { get; set; }

    /// <summary>The newest complete checkpoint of the running job, if it has saved one.</summary>
    public WorkerCheckpoint? Checkpoint { get; set; }
}
