namespace PostTrain.Trainer.Rewards;

/// <summary>Where an HTTP verifier is and how hard to try it.</summary>
public sealed record HttpVerifierOptions
{
    /// <summary>The verifier's URL; it receives <c>POST {"prompt", "completion", "reference", "example"}</c> and answers <c>{"reward": number, "details"?: string}</c> (see <see cref="HttpVerifierReward"/>).</summary>
    public required Uri Url { get; init; }

    /// <summary>The time limit of one attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts in all (the first included). Retried: connection errors, timeouts, 408, 429 and 5xx.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The pause before the second attempt, on average; it doubles with each further attempt, with jitter (Polly's exponential backoff), unless the verifier sends <c>Retry-After</c>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The name in metrics and composites.</summary>
    public string Name { get; init; } = "http";
}
