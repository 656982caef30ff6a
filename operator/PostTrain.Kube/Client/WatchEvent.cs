namespace PostTrain.Kube.Client;

/// <summary>The type of a watch event.</summary>
public enum WatchEventType
{
    /// <summary>An object was created (or entered the selector).</summary>
    Added,

    /// <summary>An object changed.</summary>
    Modified,

    /// <summary>An object was deleted (or left the selector).</summary>
    Deleted,

    /// <summary>No object change: the server's progress marker; only metadata.resourceVersion is set.</summary>
    Bookmark,
}

/// <summary>One event of a watch stream.</summary>
/// <typeparam name="T">Object type.</typeparam>
/// <param name="Type">What happened.</param>
/// <param name="Object">The object (for a bookmark, only its resourceVersion).</param>
public sealed record WatchEvent<T>(WatchEventType Type, T Object);
