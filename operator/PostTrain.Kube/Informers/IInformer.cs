namespace PostTrain.Kube.Informers;

/// <summary>What a manager needs of any informer: run it, know when it is synced and whether it is healthy.</summary>
public interface IInformer
{
    /// <summary>A name for logs and health reports.</summary>
    string Name { get; }

    /// <summary>Whether the first list has been delivered to the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Whether <see cref="RunAsync"/> is running.</summary>
    bool IsRunning { get; }

    /// <summary>The last list/watch failure (cleared by the next successful list or watch event).</summary>
    Exception? LastError { get; }

    /// <summary>Lists, then watches, until cancelled; reconnects and relists on its own.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Completes when the cache has synced.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
