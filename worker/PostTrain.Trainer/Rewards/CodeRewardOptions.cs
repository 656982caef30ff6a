using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Rewards;

/// <summary>How a code reward turns test outcomes into a score.</summary>
public sealed record CodeRewardOptions
{
    /// <summary>When true the score is 1 only if every test passes, else 0; when false it is the fraction of tests passed.</summary>
    public bool AllOrNothing { get; init; }

    /// <summary>Most sandboxes running at once (each is a Python process).</summary>
    public int MaxConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>The sandbox limits.</summary>
    public PythonSandboxOptions Sandbox { get; init; } = new();

    /// <summary>The name in metrics and composites.</summary>
    public string Name { get; init; } = "code";
}
