namespace PostTrain.Kube.Informers;

/// <summary>Options of an <see cref="Informer{T}"/>.</summary>
public sealed record InformerOptions
{
    /// <summary>The namespace to watch; null for all.</summary>
    public string? Namespace { get; init; }

    /// <summary>Label selector.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>How often every cached object is re-delivered as an update; null to never resync.</summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>Page size of the initial list and relists.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>First reconnect delay after a failure (doubles per consecutive failure, with jitter).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Longest reconnect delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Server-side timeout per watch request (client-go: 5..10 minutes); the watch is re-opened after it.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A watch that delivers nothing (no event, no bookmark) for this long is treated as dead and re-opened,
    /// so a half-open connection cannot stall the informer silently.
    /// </summary>
    public TimeSpan WatchIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
