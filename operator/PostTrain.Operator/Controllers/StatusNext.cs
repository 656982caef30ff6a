namespace PostTrain.Operator.Controllers;

/// <summary>What the reconciler does after <see cref="StatusDerivation.Derive"/> updated a status.</summary>
internal enum StatusNext
{
    /// <summary>The batch Job completed but rank 0's result is not in the cache yet: write nothing, look again shortly.</summary>
    AwaitResult,

    /// <summary>Write the status; the next change of a child brings the job back (pending, suspended).</summary>
    Write,

    /// <summary>Write the status and poll the worker's progress again after the poll interval (running).</summary>
    WriteAndPoll,

    /// <summary>Write the status; the job finished (succeeded or failed): its TTL applies.</summary>
    WriteFinished,
}
