namespace PostTrain.Kube.Controllers;

/// <summary>What a reconcile concluded.</summary>
public enum ReconcileOutcome
{
    /// <summary>In sync; wait for the next change.</summary>
    Done,

    /// <summary>Look again after a delay (progress polling); the failure count is reset.</summary>
    RequeueAfter,

    /// <summary>A transient failure: retry with per-item exponential backoff.</summary>
    Error,

    /// <summary>A failure retrying cannot fix: log it and wait for the next change.</summary>
    TerminalError,
}

/// <summary>The result of one reconcile (controller-runtime's Result plus error).</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(ReconcileOutcome outcome, TimeSpan delay, Exception? error)
    {
        Outcome = outcome;
        Delay = delay;
        Failure = error;
    }

    /// <summary>The outcome.</summary>
    public ReconcileOutcome Outcome { get; }

    /// <summary>The delay of <see cref="ReconcileOutcome.RequeueAfter"/>.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The failure of an error outcome.</summary>
    public Exception? Failure { get; }

    /// <summary>In sync.</summary>
    public static ReconcileResult Done { get; } = new(ReconcileOutcome.Done, TimeSpan.Zero, null);

    /// <summary>Look again after <paramref name="delay"/>.</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) =>
        delay > TimeSpan.Zero ? new(ReconcileOutcome.RequeueAfter, delay, null) : throw new ArgumentOutOfRangeException(nameof(delay), delay, "requeue delay must be positive");

    /// <summary>Retry with backoff.</summary>
    public static ReconcileResult Error(Exception error) => new(ReconcileOutcome.Error, TimeSpan.Zero, error);

    /// <summary>Do not retry.</summary>
    public static ReconcileResult Terminal(Exception error) => new(ReconcileOutcome.TerminalError, TimeSpan.Zero, error);
}
