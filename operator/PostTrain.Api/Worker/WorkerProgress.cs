namespace PostTrain.Api.Worker;

/// <summary>
/// The <c>progress</c> object of the worker's /status:
/// <c>{step, totalSteps, percent, eta, lastUpdateTime, metrics}</c>.
/// </summary>
public sealed class WorkerProgress
{
    /// <summary>Steps done.</summary>
    public long Step { get; set; }

    /// <summary>Steps planned, when known.</summary>
    public long? TotalSteps { get; set; }

    /// <summary>Percent done, 0 to 100, when known.</summary>
    public double? Percent { get; set; }

    /// <summary>Estimated time left, as a Go-style duration (e.g. <c>1m30s</c>).</summary>
    public string? Eta { get; set; }

    /// <summary>When the worker last updated it.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>The latest training figures (finite values only), e.g. loss, learning_rate, reward_mean, kl.</summary>
    public Dictionary<string, double>? Metrics { get; set; }
}
