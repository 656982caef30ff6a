namespace PostTrain.Trainer.Eval;

/// <summary>How to evaluate: greedy accuracy always; pass@k when <see cref="Samples"/> is above 0.</summary>
public sealed record EvalOptions
{
    /// <summary>Most tokens per answer.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Prompts per generation batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Samples per prompt for pass@k (n); 0 disables sampling.</summary>
    public int Samples { get; init; }

    /// <summary>The k values reported (each at most <see cref="Samples"/>).</summary>
    public IReadOnlyList<int> K { get; init; } = [];

    /// <summary>Sampling temperature for pass@k.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Sampling seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>A response is correct when its score reaches this.</summary>
    public double CorrectThreshold { get; init; } = 1.0;
}
