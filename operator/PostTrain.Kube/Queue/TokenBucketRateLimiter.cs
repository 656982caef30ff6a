namespace PostTrain.Kube.Queue;

/// <summary>
/// An overall token bucket over all items (controller-runtime: 10 per second, burst 100): each retry takes a
/// token; when none is left, the retry waits for one (reservations may go into debt, as golang.org/x/time/rate).
/// </summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class TokenBucketRateLimiter<T> : IRateLimiter<T>
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private double _tokens;
    private DateTimeOffset _last;

    /// <summary>Creates the bucket, full.</summary>
    public TokenBucketRateLimiter(double perSecond, int burst, TimeProvider? time = null)
    {
        if (perSecond <= 0 || burst <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), $"need perSecond > 0 and burst > 0, got {perSecond} and {burst}");
        }

        PerSecond = perSecond;
        Burst = burst;
        _time = time ?? TimeProvider.System;
        _tokens = burst;
        _last = _time.GetUtcNow();
    }

    /// <summary>Refill rate.</summary>
    public double PerSecond { get; }

    /// <summary>Bucket size.</summary>
    public int Burst { get; }

    /// <inheritdoc />
    public TimeSpan When(T item)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _tokens = Math.Min(Burst, _tokens + ((now - _last).TotalSeconds * PerSecond));
            _last = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / PerSecond);
        }
    }

    /// <inheritdoc />
    public void Forget(T item)
    {
    }

    /// <inheritdoc />
    public int NumRequeues(T item) => 0;
}
