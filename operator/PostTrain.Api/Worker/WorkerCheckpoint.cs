namespace PostTrain.Api.Worker;

/// <summary>
/// A checkpoint the worker reports, in its result and its /status: <c>{uri, step}</c>. The URI is in the form of
/// the job's output (<c>pvc://claim/path/checkpoint-N</c> for a <c>pvc://</c> output), never a pod-local path, so
/// another job can name it as its model source.
/// </summary>
public sealed class WorkerCheckpoint
{
    /// <summary>The checkpoint directory's URI: <c>pvc://</c>, <c>file://</c> or a plain path, as the output was given.</summary>
    public string? Uri { get; set; }

    /// <summary>The optimizer (SFT) or RL (RLVR) step it was saved at.</summary>
    public long Step { get; set; }
}
