using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Deletion as kube-apiserver and kube-controller-manager do it between them. The API server marks and removes
/// objects; the garbage collector, the namespace controller and the CRD finalizer act afterwards, asynchronously,
/// on a background loop (<see cref="RunControllersAsync"/>):
/// <list type="bullet">
/// <item>Background: the owner goes at once, then the collector deletes each dependent that has no other live owner
/// (and strips the owner reference from those that have one).</item>
/// <item>Foreground: the owner keeps existing with a deletionTimestamp and the <c>foregroundDeletion</c> finalizer while
/// the collector deletes its dependents (foreground too); when none is left the finalizer goes, and with it the
/// owner.</item>
/// <item>Orphan: the owner gets the <c>orphan</c> finalizer; the collector strips the owner reference from every
/// dependent, then removes the finalizer.</item>
/// <item>Namespaces: deleting one makes it Terminating (creating in it is then forbidden); the namespace controller
/// deletes everything in it, then removes the <c>kubernetes</c> finalizer from <c>spec.finalizers</c> and the
/// namespace itself.</item>
/// <item>A deleted CustomResourceDefinition keeps its <c>customresourcecleanup.apiextensions.k8s.io</c> finalizer until
/// every object of its kind is deleted; then it goes and its kind is no longer served.</item>
/// </list>
/// </summary>
public sealed partial class ObjectStore
{
    private const string ForegroundFinalizer = "foregroundDeletion";
    private const string OrphanFinalizer = "orphan";
    private const string NamespaceFinalizer = "kubernetes";
    private const string CrdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";
    private readonly Channel<string> _controllerWork = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private int _pendingWork;
    private volatile TaskCompletionSource? _paused;

    /// <summary>Whether the background controllers have nothing left to do (tests wait for it).</summary>
    public bool ControllersIdle => Volatile.Read(ref _pendingWork) == 0;

    /// <summary>
    /// The background controllers: garbage collection, namespace deletion, CRD cleanup. The server runs it for its
    /// lifetime; each work item is a uid (an object whose dependents or contents need handling).
    /// </summary>
    public async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var uid in _controllerWork.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_paused is { } paused)
                {
                    await paused.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    Reconcile(uid);
                }

                Interlocked.Decrement(ref _pendingWork);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Holds the background controllers (a test seam: shows what clients see between a delete and the garbage
    /// collector's work) until <see cref="ResumeControllers"/>.
    /// </summary>
    public void PauseControllers() => _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held background controllers run again.</summary>
    public void ResumeControllers() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    /// <summary>Waits until the background controllers are idle (or the timeout passes).</summary>
    public async Task WaitForControllersAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!ControllersIdle && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    private void Enqueue(string uid)
    {
        if (_dryRun)
        {
            return;
        }

        Interlocked.Increment(ref _pendingWork);
        _controllerWork.Writer.TryWrite(uid);
    }

    private JsonObject DeleteLocked(ResourceType type, JsonObject current, string policy, long? gracePeriodSeconds = null)
    {
        var meta = (JsonObject)current["metadata"]!;
        var uid = (string)meta["uid"]!;
        var finalizers = Finalizers(current);
        var isNamespace = type is { Group: "", Plural: "namespaces" };
        var isCrd = type is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" };
        if (policy == "Foreground" && Dependents(uid).Count > 0 && !finalizers.Contains(ForegroundFinalizer))
        {
            finalizers.Add(ForegroundFinalizer);
        }

        if (policy == "Orphan" && Dependents(uid).Count > 0 && !finalizers.Contains(OrphanFinalizer))
        {
            finalizers.Add(OrphanFinalizer);
        }

        if (isCrd && !finalizers.Contains(CrdCleanupFinalizer))
        {
            finalizers.Add(CrdCleanupFinalizer);
        }

        var namespaceFinalizers = isNamespace ? Strings(current["spec"]?["finalizers"]) : [];
        if (GracefulPodDeletion(type, current, gracePeriodSeconds) is { } grace)
        {
            // The kubelet stops the pod's containers within the grace period, then deletes it with a grace period of 0.
            var graceful = Clone(current);
            var gracefulMeta = (JsonObject)graceful["metadata"]!;
            if (gracefulMeta["deletionTimestamp"] is null || JsonNumbers.Long(gracefulMeta["deletionGracePeriodSeconds"]) != grace)
            {
                gracefulMeta["deletionTimestamp"] = _time.GetUtcNow().UtcDateTime.AddSeconds(grace).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                gracefulMeta["deletionGracePeriodSeconds"] = grace;
                if (finalizers.Count > 0)
                {
                    gracefulMeta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
                }

                Commit(type, "MODIFIED", current, graceful);
                Enqueue(uid);
            }

            return Find(type, NamespaceOf(graceful), (string)gracefulMeta["name"]!) ?? graceful;
        }

        if (finalizers.Count == 0 && namespaceFinalizers.Count == 0)
        {
            RemoveLocked(type, current);
            return current;
        }

        if (meta["deletionTimestamp"] is not null && !finalizers.Except(Finalizers(current)).Any())
        {
            return current;
        }

        var next = Clone(current);
        var nextMeta = (JsonObject)next["metadata"]!;
        if (nextMeta["deletionTimestamp"] is null)
        {
            nextMeta["deletionTimestamp"] = Now();
            nextMeta["deletionGracePeriodSeconds"] = 0;
            if (type.HasGeneration)
            {
                nextMeta["generation"] = Generation(nextMeta) + 1;
            }
        }

        if (finalizers.Count > 0)
        {
            nextMeta["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }

        if (isNamespace)
        {
            next["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        Commit(type, "MODIFIED", current, next);
        Enqueue(uid);
        return Find(type, NamespaceOf(next), (string)nextMeta["name"]!) ?? next;
    }

    private void RemoveLocked(ResourceType type, JsonObject obj)
    {
        var meta = (JsonObject)obj["metadata"]!;
        var uid = (string)meta["uid"]!;
        var key = Key(NamespaceOf(obj), (string)meta["name"]!);
        if (!Bucket(type).Remove(key))
        {
            return;
        }

        _byUid.Remove(uid);
        var final = Clone(obj);
        _version++;
        ((JsonObject)final["metadata"]!)["resourceVersion"] = _version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Publish(new StoreEvent(_version, type.StorageKey, NamespaceOf(final), "DELETED", final, obj, final.ToJsonString(HttpBodies.Wire)));
        if (type is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" } && !_dryRun)
        {
            Registry.UnregisterCustomResourceDefinition(final);
        }

        // Dependents and foreground owners are the garbage collector's, later.
        Enqueue(uid);
        foreach (var owner in OwnerUids(obj))
        {
            Enqueue(owner);
        }
    }

    /// <summary>One pass of the controllers over the object with <paramref name="uid"/> (gone or being deleted).</summary>
    private void Reconcile(string uid)
    {
        var exists = _byUid.TryGetValue(uid, out var location) && Bucket(location.Type).ContainsKey(location.Key);
        if (!exists)
        {
            // Garbage collection: dependents of a vanished owner go unless another live owner holds them.
            foreach (var (depType, dependent) in Dependents(uid))
            {
                if (OwnerUids(dependent).Any(o => o != uid && _byUid.ContainsKey(o)))
                {
                    var copy = Clone(dependent);
                    RemoveOwnerReference(copy, uid);
                    UpdateLocked(depType, dependent, copy, status: false, fieldManager: null, checkVersion: false);
                }
                else if (dependent["metadata"]?["deletionTimestamp"] is null)
                {
                    DeleteLocked(depType, dependent, "Background");
                }
            }

            return;
        }

        var (type, key) = location;
        var obj = Bucket(type)[key];
        if (obj["metadata"]?["deletionTimestamp"] is null)
        {
            if (IsDeployment(type))
            {
                ReconcileDeployment(type, obj);
            }

            return;
        }

        var finalizers = Finalizers(obj);
        if (finalizers.Contains(OrphanFinalizer))
        {
            foreach (var (depType, dependent) in Dependents(uid))
            {
                var copy = Clone(dependent);
                RemoveOwnerReference(copy, uid);
                UpdateLocked(depType, dependent, copy, status: false, fieldManager: null, checkVersion: false);
            }

            RemoveFinalizer(type, obj, OrphanFinalizer);
            return;
        }

        if (finalizers.Contains(ForegroundFinalizer))
        {
            var dependents = Dependents(uid);
            foreach (var (depType, dependent) in dependents.Where(d => d.Object["metadata"]?["deletionTimestamp"] is null))
            {
                DeleteLocked(depType, dependent, "Foreground");
            }

            if (Dependents(uid).Count == 0)
            {
                RemoveFinalizer(type, obj, ForegroundFinalizer);
            }

            return;
        }

        if (type is { Group: "", Plural: "namespaces" })
        {
            FinishNamespaceDeletion(type, obj);
            return;
        }

        if (type is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" } && finalizers.Contains(CrdCleanupFinalizer))
        {
            var served = Registry.All.Where(t => t.IsCustom && ReferenceEquals(t.Crd, null) is false && (string?)t.Crd!["metadata"]?["name"] == (string?)obj["metadata"]?["name"]).ToList();
            foreach (var crType in served.GroupBy(t => t.StorageKey).Select(g => g.First()))
            {
                foreach (var item in Bucket(crType).Values.ToList())
                {
                    if (item["metadata"]?["deletionTimestamp"] is null)
                    {
                        DeleteLocked(crType, item, "Background");
                    }
                }
            }

            if (served.All(t => Bucket(t).Count == 0))
            {
                RemoveFinalizer(type, obj, CrdCleanupFinalizer);
            }
            else
            {
                Enqueue(uid); // objects held by their own finalizers: look again later
            }
        }
    }

    /// <summary>The namespace controller: delete the namespace's contents, then the namespace.</summary>
    private void FinishNamespaceDeletion(ResourceType type, JsonObject ns)
    {
        var name = (string)ns["metadata"]!["name"]!;
        var remaining = 0;
        foreach (var (contentType, key) in _byUid.Values.ToList())
        {
            if (!contentType.Namespaced || !Bucket(contentType).TryGetValue(key, out var content) || NamespaceOf(content) != name)
            {
                continue;
            }

            remaining++;
            if (content["metadata"]?["deletionTimestamp"] is null)
            {
                DeleteLocked(contentType, content, "Background");
            }
        }

        var left = _byUid.Values.Count(v => v.Type.Namespaced && Bucket(v.Type).TryGetValue(v.Key, out var c) && NamespaceOf(c) == name);
        if (left > 0)
        {
            if (remaining > 0)
            {
                Enqueue((string)ns["metadata"]!["uid"]!); // contents held by finalizers: look again
            }

            return;
        }

        var copy = Clone(ns);
        if (copy["spec"] is JsonObject spec)
        {
            spec["finalizers"] = new JsonArray([.. Strings(spec["finalizers"]).Where(f => f != NamespaceFinalizer).Select(f => (JsonNode?)f)]);
        }

        var current = ns;
        if (!JsonNode.DeepEquals(copy, ns))
        {
            current = UpdateLocked(type, ns, copy, status: false, fieldManager: null, checkVersion: false);
        }

        if (Finalizers(current).Count == 0 && Strings(current["spec"]?["finalizers"]).Count == 0 && Find(type, null, name) is not null)
        {
            RemoveLocked(type, current);
        }
    }

    private void RemoveFinalizer(ResourceType type, JsonObject obj, string finalizer)
    {
        var copy = Clone(obj);
        var finalizers = Finalizers(copy);
        finalizers.Remove(finalizer);
        ((JsonObject)copy["metadata"]!)["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        UpdateLocked(type, obj, copy, status: false, fieldManager: null, checkVersion: false);
    }

    private static List<string> Strings(JsonNode? array) => (array as JsonArray ?? []).Select(n => (string?)n).OfType<string>().ToList();
}
