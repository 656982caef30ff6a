using k8s;

namespace PostTrain.Kube.Client;

/// <summary>One event of a watch stream, as the official client decodes it.</summary>
/// <typeparam name="T">Object type.</typeparam>
/// <param name="Type">What happened: Added, Modified, Deleted or Bookmark (an Error ends the stream as an exception).</param>
/// <param name="Object">The object (for a bookmark, only its resourceVersion).</param>
public sealed record WatchEvent<T>(WatchEventType Type, T Object);
