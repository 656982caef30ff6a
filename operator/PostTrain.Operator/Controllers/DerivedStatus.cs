namespace PostTrain.Operator.Controllers;

/// <summary>The outcome of <see cref="StatusDerivation.Derive"/>: what to do next, and the reason and message of the phase.</summary>
/// <param name="Next">What to do next.</param>
/// <param name="Reason">The reason of the phase (empty for <see cref="StatusNext.AwaitResult"/>).</param>
/// <param name="Message">The message of the phase (empty for <see cref="StatusNext.AwaitResult"/>).</param>
internal sealed record DerivedStatus(StatusNext Next, string Reason, string Message)
{
    /// <summary>Waiting for the result of a completed batch Job.</summary>
    public static DerivedStatus AwaitingResult { get; } = new(StatusNext.AwaitResult, "", "");
}
