namespace PostTrain.Operator.Workers;

/// <summary>The <c>progress</c> object of the worker's /status.</summary>
public sealed class WorkerProgress
{
    /// <summary>Steps done.</summary>
    public long Step { get; set; }

    /// <summary>Steps planned, when known.</summary>
    public long? TotalSteps { get; set; }

    /// <summary>Percent done.</summary>
    public double? Percent { get; set; }

    /// <summary>Estimated time left (Go duration).</summary>
    public string? Eta { get; set; }

    /// <summary>When the worker last updated it.</summary>
    public DateTimeOffset? LastUpdateTime { get; set; }

    /// <summary>The latest metrics.</summary>
    public Dictionary<string, double>? Metrics { get; set; }
}
