using PostTrain.Kube.Queue;

namespace PostTrain.Kube.Controllers;

/// <summary>Options of a <see cref="Controller{T}"/>.</summary>
public sealed record ControllerOptions
{
    /// <summary>Concurrent reconciles (never two on one key).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Backoff of failed reconciles; controller-runtime's default (5 ms..1000 s per item, 10/s burst 100 overall) when null.</summary>
    public IRateLimiter<string>? RateLimiter { get; init; }

    /// <summary>Clock, for tests.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
