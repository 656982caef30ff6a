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

/// <summary>The outcome of <see cref="StatusDerivation.Derive"/>: what to do next, and the reason and message of the phase.</summary>
/// <param name="Next">What to do next.</param>
/// <param name="Reason">The reason of the phase (empty for <see cref="StatusNext.AwaitResult"/>).</param>
/// <param name="Message">The message of the phase (empty for <see cref="StatusNext.AwaitResult"/>).</param>
internal sealed record DerivedStatus(StatusNext Next, string Reason, string Message)
{
    /// <summary>Waiting for the result of a completed batch Job.</summary>
    public static DerivedStatus AwaitingResult { get; } = new(StatusNext.AwaitResult, "", "");
}
