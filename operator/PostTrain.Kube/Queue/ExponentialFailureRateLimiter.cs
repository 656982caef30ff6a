namespace PostTrain.Kube.Queue;

/// <summary>Per-item exponential backoff: base * 2^failures, capped (controller-runtime: 5 ms up to 1000 s).</summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class ExponentialFailureRateLimiter<T> : IRateLimiter<T>
    where T : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<T, int> _failures = [];

    /// <summary>Creates the limiter.</summary>
    public ExponentialFailureRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        if (baseDelay <= TimeSpan.Zero || maxDelay < baseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(baseDelay), $"need 0 < baseDelay <= maxDelay, got {baseDelay} and {maxDelay}");
        }

        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
    }

    /// <summary>The first retry delay.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>The cap.</summary>
    public TimeSpan MaxDelay { get; }

    /// <inheritdoc />
    public TimeSpan When(T item)
    {
        int failures;
        lock (_gate)
        {
            failures = _failures.GetValueOrDefault(item);
            _failures[item] = failures + 1;
        }

        var ticks = BaseDelay.Ticks * Math.Pow(2, Math.Min(failures, 62));
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <inheritdoc />
    public void Forget(T item)
    {
        lock (_gate)
        {
            _failures.Remove(item);
        }
    }

    /// <inheritdoc />
    public int NumRequeues(T item)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}
