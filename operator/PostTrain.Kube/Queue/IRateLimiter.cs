namespace PostTrain.Kube.Queue;

/// <summary>Decides how long an item waits before it is retried (client-go's workqueue.RateLimiter).</summary>
/// <typeparam name="T">Item type.</typeparam>
public interface IRateLimiter<in T>
{
    /// <summary>The delay for the next retry of <paramref name="item"/> (counts as one more failure).</summary>
    TimeSpan When(T item);

    /// <summary>Forgets the item's failures (after a success).</summary>
    void Forget(T item);

    /// <summary>How many failures are counted for the item.</summary>
    int NumRequeues(T item);
}
