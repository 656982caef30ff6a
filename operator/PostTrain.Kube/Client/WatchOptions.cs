namespace PostTrain.Kube.Client;

/// <summary>Options of a watch request.</summary>
public sealed record WatchOptions
{
    /// <summary>Start after this version; null = the current state as ADDED events first.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Label selector.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Ask for BOOKMARK events (progress markers that keep the resourceVersion fresh).</summary>
    public bool AllowBookmarks { get; init; } = true;

    /// <summary>Server-side timeout; the stream ends cleanly after it.</summary>
    public int? TimeoutSeconds { get; init; }
}
