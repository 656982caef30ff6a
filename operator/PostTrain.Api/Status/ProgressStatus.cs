using PostTrain.Api.Schema;

namespace PostTrain.Api.Status;

/// <summary>Live progress of a running job, as the worker last reported it.</summary>
public sealed class ProgressStatus
{
    /// <summary>Optimizer (SFT), RL (RLVR) or problem (Eval) steps done.</summary>
    [RangeMinimum(0)]
    public long Step { get; set; }

    /// <summary>Steps in the whole run, when known.</summary>
    [RangeMinimum(0)]
    public long? TotalSteps { get; set; }

    /// <summary>Percent done, 0 to 100.</summary>
    [RangeMinimum(0)]
    [RangeMaximum(100)]
    public double? Percent { get; set; }

    /// <summary>Estimated time left, as a Go-style duration (e.g. 1h2m3s).</summary>
    public string? Eta { get; set; }

    /// <summary>When the worker last reported.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>The latest training figures, e.g. loss, learning_rate, grad_norm, tokens_per_second, reward_mean, kl.</summary>
    public Dictionary<string, double>? Metrics { get; set; }
}
