namespace PostTrain.Kube.Informers;

/// <summary>Callbacks for cache changes. They run on the informer's loop, one at a time: keep them quick (enqueue work).</summary>
/// <typeparam name="T">Object type.</typeparam>
public sealed class ResourceEventHandler<T>
{
    /// <summary>An object appeared.</summary>
    public Action<T>? OnAdd { get; init; }

    /// <summary>An object changed (old, new); on resync both are the same object.</summary>
    public Action<T, T>? OnUpdate { get; init; }

    /// <summary>
    /// An object went away. The flag is true when the delete was missed while disconnected and found by a relist
    /// (the object is the last state the cache knew: client-go's DeletedFinalStateUnknown).
    /// </summary>
    public Action<T, bool>? OnDelete { get; init; }
}
