using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>One committed change: the watch event type, the object after the change (and before it, for selectors).</summary>
/// <param name="ResourceVersion">The resourceVersion the change was committed at.</param>
/// <param name="StorageKey">The resource ("pods", "jobs.batch").</param>
/// <param name="Namespace">The object's namespace ("" for cluster-scoped).</param>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Object">The object after the change (the last state for DELETED).</param>
/// <param name="Previous">The object before the change (null for ADDED).</param>
/// <param name="Json">The object serialized once at commit.</param>
public sealed record StoreEvent(long ResourceVersion, string StorageKey, string Namespace, string Type, JsonObject Object, JsonObject? Previous, string Json);
