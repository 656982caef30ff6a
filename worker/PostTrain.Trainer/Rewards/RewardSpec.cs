namespace PostTrain.Trainer.Rewards;

/// <summary>
/// A reward as a job describes it; <see cref="RewardFactory"/> builds the <see cref="IRewardFunction"/>. Kinds:
/// <c>math</c>, <c>code</c>, <c>regex</c>, <c>http</c>, <c>composite</c> (of <see cref="Parts"/>).
/// </summary>
public sealed record RewardSpec
{
    /// <summary>math, code, regex, http or composite.</summary>
    public required string Kind { get; init; }

    /// <summary>The name in metrics and composites; defaults to the kind.</summary>
    public string? Name { get; init; }

    /// <summary>This reward's weight inside a composite.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Inside a composite: a gate that adds nothing but zeroes the composite unless it scores 1 or more.</summary>
    public bool Gate { get; init; }

    /// <summary>equations: operands must come from the prompt or earlier results, the answer from the last result.</summary>
    public bool Grounded { get; init; }

    /// <summary>math: how the answer is extracted.</summary>
    public AnswerExtractionMode Extraction { get; init; } = AnswerExtractionMode.Strict;

    /// <summary>regex: the pattern the completion must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>regex: <c>^</c> and <c>$</c> match at line boundaries.</summary>
    public bool Multiline { get; init; }

    /// <summary>code: 1 only when every test passes.</summary>
    public bool AllOrNothing { get; init; }

    /// <summary>code: run candidates as plain processes when this machine offers no isolation (otherwise the reward is refused).</summary>
    public bool AllowUnisolatedCode { get; init; }

    /// <summary>code: the address-space limit of each candidate process in bytes; null keeps the sandbox's default.</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>code: the wall-clock limit of one sandbox run; http: the limit of one attempt.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>http: the verifier's URL.</summary>
    public string? Url { get; init; }

    /// <summary>http: attempts in all.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>composite: divide by the total absolute weight.</summary>
    public bool Normalize { get; init; }

    /// <summary>composite: the parts, each with its <see cref="Weight"/>.</summary>
    public IReadOnlyList<RewardSpec>? Parts { get; init; }
}
