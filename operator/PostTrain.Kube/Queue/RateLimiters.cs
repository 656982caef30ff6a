namespace PostTrain.Kube.Queue;

/// <summary>Ready-made rate limiters.</summary>
public static class RateLimiters
{
    /// <summary>controller-runtime's default: per-item exponential 5 ms .. 1000 s, and an overall bucket of 10/s burst 100.</summary>
    public static IRateLimiter<T> DefaultController<T>(TimeProvider? time = null)
        where T : notnull =>
        new MaxOfRateLimiter<T>(
            new ExponentialFailureRateLimiter<T>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<T>(10, 100, time));
}
