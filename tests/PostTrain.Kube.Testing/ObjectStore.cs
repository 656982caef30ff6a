using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The API server's storage and object semantics: resourceVersions from one counter, optimistic concurrency,
/// generation, status separation, finalizers, owner-reference cascading deletes, and a bounded watch history.
/// Every mutation happens under one lock; stored objects are never mutated in place, only replaced.
/// </summary>
public sealed partial class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ResourceType Type, string Key)> _byUid = new(StringComparer.Ordinal);
    private readonly Queue<StoreEvent> _history = new();
    private readonly List<WatchSubscription> _watchers = [];
    private readonly TimeProvider _time;
    private long _version = 1;
    private long _compactedThrough;
    private int _historyLimit = 10_000;

    /// <summary>Creates an empty store.</summary>
    public ObjectStore(ResourceRegistry registry, TimeProvider? time = null)
    {
        Registry = registry;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The resources served.</summary>
    public ResourceRegistry Registry { get; }

    /// <summary>The latest committed resourceVersion.</summary>
    public long CurrentVersion
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>How many events the watch history keeps; older resourceVersions get 410 Expired.</summary>
    public int HistoryLimit
    {
        get => _historyLimit;
        set
        {
            lock (_gate)
            {
                _historyLimit = Math.Max(0, value);
                TrimHistory();
            }
        }
    }

    /// <summary>The oldest resourceVersion a watch may still start from.</summary>
    public long OldestWatchableVersion
    {
        get
        {
            lock (_gate)
            {
                return _compactedThrough;
            }
        }
    }

    /// <summary>Drops the whole watch history, as an etcd compaction would: watches from any older version get 410.</summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedThrough = _version;
        }
    }

    /// <summary>Number of live watchers.</summary>
    public int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Reads one object.</summary>
    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Clone(Find(type, ns, name) ?? throw ApiStatusException.NotFound(type, name));
        }
    }

    /// <summary>Lists objects, filtered and paged (the continue token resumes after the last key returned).</summary>
    public JsonObject List(ResourceType type, string? ns, Selector labels, Selector fields, int? limit, string? continueToken)
    {
        lock (_gate)
        {
            string? after = null;
            if (!string.IsNullOrEmpty(continueToken))
            {
                try
                {
                    var decoded = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(continueToken)))!;
                    after = (string?)decoded["start"];
                    if (decoded["rv"] is JsonValue tokenVersion && tokenVersion.GetValue<long>() < _compactedThrough)
                    {
                        throw ApiStatusException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                    }
                }
                catch (Exception e) when (e is FormatException or JsonException)
                {
                    throw ApiStatusException.BadRequest($"invalid continue token: {e.Message}");
                }
            }

            var items = new JsonArray();
            string? next = null;
            var remaining = 0L;
            foreach (var (key, obj) in Bucket(type))
            {
                if (ns is not null && NamespaceOf(obj) != ns)
                {
                    continue;
                }

                if (after is not null && string.CompareOrdinal(key, after) <= 0)
                {
                    continue;
                }

                if (!labels.Matches(obj) || !fields.Matches(obj))
                {
                    continue;
                }

                if (limit is > 0 && items.Count >= limit)
                {
                    remaining++;
                    continue;
                }

                var item = Clone(obj);
                if (!type.IsCustom)
                {
                    item.Remove("kind");
                    item.Remove("apiVersion");
                }

                items.Add(item);
                next = key;
            }

            var metadata = new JsonObject { ["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture) };
            if (remaining > 0 && next is not null)
            {
                var token = new JsonObject { ["rv"] = _version, ["start"] = next }.ToJsonString();
                metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(token));
                metadata["remainingItemCount"] = remaining;
            }

            return new JsonObject
            {
                ["kind"] = type.ListKind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = metadata,
                ["items"] = items,
            };
        }
    }

    /// <summary>Creates an object (generateName, uid, creationTimestamp, generation 1, status dropped where a status subresource exists).</summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject body, string? fieldManager, WriteOptions? options = null)
    {
        lock (_gate)
        {
            return WithRequest(options, () => Clone(CreateLocked(type, ns, body, fieldManager, applied: false)));
        }
    }

    /// <summary>Replaces an object (PUT), or its status when <paramref name="status"/> is set.</summary>
    public JsonObject Replace(ResourceType type, string? ns, string name, JsonObject body, bool status, string? fieldManager, WriteOptions? options = null)
    {
        lock (_gate)
        {
            var current = Find(type, ns, name) ?? throw ApiStatusException.NotFound(type, name);
            CheckIdentity(type, ns, name, body);
            return WithRequest(options, () => Clone(UpdateLocked(type, current, body, status, fieldManager, checkVersion: true)));
        }
    }

    /// <summary>Patches an object: merge patch, JSON patch, or server-side apply (which creates when missing).</summary>
    public JsonObject Patch(ResourceType type, string? ns, string name, string contentType, JsonNode? patch, bool status, string? fieldManager, bool force, WriteOptions? options = null)
    {
        lock (_gate)
        {
            return WithRequest(options, () => PatchLocked(type, ns, name, contentType, patch, status, fieldManager, force));
        }
    }

    private JsonObject PatchLocked(ResourceType type, string? ns, string name, string contentType, JsonNode? patch, bool status, string? fieldManager, bool force)
    {
        {
            var current = Find(type, ns, name);
            var media = contentType.Split(';')[0].Trim().ToLowerInvariant();
            if (media == "application/apply-patch+yaml" || media == "application/apply-patch+json")
            {
                if (string.IsNullOrEmpty(fieldManager))
                {
                    throw ApiStatusException.BadRequest("PATCH, application/apply-patch+yaml: fieldManager is required for apply requests");
                }

                if (patch is not JsonObject applied)
                {
                    throw ApiStatusException.BadRequest("apply patch body must be an object");
                }

                CheckIdentity(type, ns, name, applied);
                if (applied["apiVersion"] is null || applied["kind"] is null)
                {
                    throw ApiStatusException.BadRequest("apply patch must set apiVersion and kind");
                }

                var cleaned = (JsonObject)applied.DeepClone();
                var meta = cleaned["metadata"] as JsonObject ?? new JsonObject();
                cleaned["metadata"] = meta;
                var precondition = (string?)meta["resourceVersion"];
                foreach (var system in new[] { "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink" })
                {
                    meta.Remove(system);
                }

                meta["name"] = name;
                if (current is null)
                {
                    if (status)
                    {
                        throw ApiStatusException.NotFound(type, name);
                    }

                    return Clone(CreateLocked(type, ns, cleaned, fieldManager, applied: true));
                }

                if (!string.IsNullOrEmpty(precondition) && precondition != ResourceVersionOf(current))
                {
                    throw ApiStatusException.Conflict(type, name);
                }

                var merged = ManagedFields.Apply(type, current, cleaned, fieldManager, force, status, Now());
                return Clone(UpdateLocked(type, current, merged, status, fieldManager: null, checkVersion: false));
            }

            if (current is null)
            {
                throw ApiStatusException.NotFound(type, name);
            }

            var patchedObject = JsonPatches.Apply(type, current, contentType, patch);
            CheckIdentity(type, ns, name, patchedObject);
            var patchedVersion = ResourceVersionOf(patchedObject);
            if (!string.IsNullOrEmpty(patchedVersion) && patchedVersion != ResourceVersionOf(current))
            {
                throw ApiStatusException.Conflict(type, name);
            }

            return Clone(UpdateLocked(type, current, patchedObject, status, fieldManager, checkVersion: false));
        }
    }

    /// <summary>
    /// Deletes an object. With finalizers it only gains a deletionTimestamp; Foreground waits for dependents;
    /// Background removes it and then its dependents; Orphan strips the owner reference from dependents.
    /// </summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, string? propagationPolicy, string? preconditionUid, string? preconditionVersion, WriteOptions? options = null, long? gracePeriodSeconds = null)
    {
        lock (_gate)
        {
            return WithRequest(options, () => DeleteChecked(type, ns, name, propagationPolicy, preconditionUid, preconditionVersion, gracePeriodSeconds));
        }
    }

    private JsonObject DeleteChecked(ResourceType type, string? ns, string name, string? propagationPolicy, string? preconditionUid, string? preconditionVersion, long? gracePeriodSeconds)
    {
        {
            var current = Find(type, ns, name) ?? throw ApiStatusException.NotFound(type, name);
            AdmitDelete(type, name);
            if (!string.IsNullOrEmpty(preconditionUid) && preconditionUid != (string?)current["metadata"]?["uid"])
            {
                throw ApiStatusException.Conflict(type, name, $"Precondition failed: UID in precondition: {preconditionUid}, UID in object meta: {(string?)current["metadata"]?["uid"]}");
            }

            if (!string.IsNullOrEmpty(preconditionVersion) && preconditionVersion != ResourceVersionOf(current))
            {
                throw ApiStatusException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {preconditionVersion}, ResourceVersion in object meta: {ResourceVersionOf(current)}");
            }

            var policy = propagationPolicy ?? (type is { Group: "batch", Plural: "jobs" } ? "Orphan" : "Background");
            if (policy is not ("Background" or "Foreground" or "Orphan"))
            {
                throw ApiStatusException.BadRequest($"propagationPolicy \"{policy}\" is not one of Background, Foreground, Orphan");
            }

            return Clone(DeleteLocked(type, current, policy, gracePeriodSeconds));
        }
    }

    /// <summary>Starts a watch from a resourceVersion (null, "" or "0" = the current state as ADDED events, then changes).</summary>
    public WatchSubscription Watch(ResourceType type, string? ns, string? resourceVersion, bool sendInitialEvents = false)
    {
        lock (_gate)
        {
            List<StoreEvent> initial;
            if (sendInitialEvents || string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                initial = Bucket(type).Values
                    .Where(o => ns is null || NamespaceOf(o) == ns)
                    .Select(o => new StoreEvent(long.Parse(ResourceVersionOf(o)!, CultureInfo.InvariantCulture), type.StorageKey, NamespaceOf(o), "ADDED", o, null, o.ToJsonString(HttpBodies.Wire)))
                    .ToList();
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiStatusException.BadRequest($"invalid resourceVersion \"{resourceVersion}\": not a number");
                }

                if (from < _compactedThrough)
                {
                    throw ApiStatusException.Expired($"too old resource version: {from} ({_compactedThrough})");
                }

                initial = _history.Where(e => e.ResourceVersion > from && e.StorageKey == type.StorageKey && (ns is null || e.Namespace == ns)).ToList();
            }

            var subscription = new WatchSubscription(type.StorageKey, ns, initial, _version, Unsubscribe);
            _watchers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>
    /// The version a BOOKMARK may carry for this watcher now: the current version when every committed event
    /// for it has been delivered, otherwise null (try again later).
    /// </summary>
    public long? BookmarkVersion(WatchSubscription subscription)
    {
        lock (_gate)
        {
            return subscription.Channel.Reader.Count == 0 ? _version : null;
        }
    }

    private void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watchers.Remove(subscription);
        }
    }

    private JsonObject CreateLocked(ResourceType type, string? ns, JsonObject body, string? fieldManager, bool applied)
    {
        var obj = (JsonObject)body.DeepClone();
        CheckKind(type, obj);
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = meta;
        var bodyNamespace = (string?)meta["namespace"];
        if (type.Namespaced)
        {
            if (!string.IsNullOrEmpty(bodyNamespace) && ns is not null && bodyNamespace != ns)
            {
                throw ApiStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            ns ??= bodyNamespace;
            if (string.IsNullOrEmpty(ns))
            {
                throw ApiStatusException.BadRequest("an empty namespace may not be set during creation");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        var name = (string?)meta["name"];
        if (string.IsNullOrEmpty(name))
        {
            var prefix = (string?)meta["generateName"];
            if (string.IsNullOrEmpty(prefix))
            {
                throw ApiStatusException.Invalid(type, "", ("metadata.name", "Required value: name or generateName is required"));
            }

            name = prefix + RandomSuffix();
            meta["name"] = name;
        }

        if (name.Length > 253 || !NamePattern().IsMatch(name))
        {
            throw ApiStatusException.Invalid(type, name, ("metadata.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
        }

        if (type.Namespaced)
        {
            AdmitNamespace(type, ns!, name);
        }

        if (Find(type, ns, name) is not null)
        {
            throw ApiStatusException.AlreadyExists(type, name);
        }

        if (type.HasStatus && !applied)
        {
            obj.Remove("status");
        }

        foreach (var system in new[] { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink" })
        {
            meta.Remove(system);
        }

        if (!applied)
        {
            meta.Remove("managedFields");
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta.Remove("generation");
        if (type.HasGeneration)
        {
            meta["generation"] = 1L;
        }

        DefaultOnCreate(type, obj);
        if (applied && fieldManager is not null)
        {
            var leaves = ManagedFields.Leaves(obj, statusScope: false, type.HasStatus);
            ManagedFields.Write(obj, [new ManagedFields.Entry(fieldManager, "Apply", "", leaves)], type.ApiVersion, Now());
            if (type.HasStatus)
            {
                obj.Remove("status");
            }
        }
        else if (fieldManager is not null)
        {
            ManagedFields.RecordUpdate(type, new JsonObject(), obj, fieldManager, statusScope: false, Now());
        }

        obj = ValidateCustom(type, obj, old: null, status: false);
        if (type is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" })
        {
            RegisterCrd(obj);
        }

        Commit(type, "ADDED", null, obj);
        return obj;
    }

    private JsonObject UpdateLocked(ResourceType type, JsonObject current, JsonObject desired, bool status, string? fieldManager, bool checkVersion)
    {
        var name = (string)current["metadata"]!["name"]!;
        CheckKind(type, desired);
        if (status && !type.HasStatus)
        {
            throw ApiStatusException.NotFound(type, name);
        }

        if (checkVersion)
        {
            var desiredVersion = ResourceVersionOf(desired);
            if (string.IsNullOrEmpty(desiredVersion))
            {
                if (type.IsCustom)
                {
                    throw ApiStatusException.Invalid(type, name, ("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update"));
                }
            }
            else if (desiredVersion != ResourceVersionOf(current))
            {
                throw ApiStatusException.Conflict(type, name);
            }
        }

        var currentMeta = (JsonObject)current["metadata"]!;
        JsonObject next;
        if (status)
        {
            next = Clone(current);
            if (desired["status"] is { } s)
            {
                next["status"] = s.DeepClone();
            }
            else
            {
                next.Remove("status");
            }
        }
        else
        {
            next = (JsonObject)desired.DeepClone();
            if (type.HasStatus)
            {
                if (current["status"] is { } s)
                {
                    next["status"] = s.DeepClone();
                }
                else
                {
                    next.Remove("status");
                }
            }

            var meta = next["metadata"] as JsonObject ?? new JsonObject();
            next["metadata"] = meta;
            foreach (var system in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name", "managedFields" })
            {
                if (currentMeta[system] is { } v)
                {
                    meta[system] = v.DeepClone();
                }
                else
                {
                    meta.Remove(system);
                }
            }

            if (desired["metadata"]?["managedFields"] is JsonArray fromApply && fieldManager is null && !checkVersion)
            {
                meta["managedFields"] = fromApply.DeepClone();
            }

            if (currentMeta["deletionTimestamp"] is not null)
            {
                var before = Finalizers(current);
                var added = Finalizers(next).Where(f => !before.Contains(f)).ToList();
                if (added.Count > 0)
                {
                    throw ApiStatusException.Invalid(type, name, ("metadata.finalizers", $"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers [{string.Join(", ", added)}]"));
                }
            }
        }

        next["apiVersion"] = type.ApiVersion;
        next["kind"] = type.Kind;
        next = ValidateCustom(type, next, current, status);
        if (!status && type is { Group: "batch", Plural: "jobs" } && JobUpdateValidation.Validate(current, next) is { Count: > 0 } jobErrors)
        {
            throw ApiStatusException.Invalid(type, name, [.. jobErrors]);
        }

        var nextMeta = (JsonObject)next["metadata"]!;
        nextMeta["resourceVersion"] = currentMeta["resourceVersion"]?.DeepClone();
        if (!status && type.HasGeneration && SpecChanged(type, current, next))
        {
            nextMeta["generation"] = Generation(currentMeta) + 1;
        }

        if (status && desired["metadata"]?["managedFields"] is JsonArray statusApply && fieldManager is null && !checkVersion)
        {
            nextMeta["managedFields"] = statusApply.DeepClone();
        }

        if (fieldManager is not null)
        {
            ManagedFields.RecordUpdate(type, current, next, fieldManager, status, Now());
        }

        if (JsonNode.DeepEquals(current, next))
        {
            return current;
        }

        Commit(type, "MODIFIED", current, next);
        if (type is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" } && !_dryRun && nextMeta["deletionTimestamp"] is null)
        {
            // An updated definition serves what it now says: versions, schemas, printer columns, names.
            Registry.UnregisterCustomResourceDefinition(current);
            Registry.RegisterCustomResourceDefinition(next);
        }

        if (nextMeta["deletionTimestamp"] is not null && Finalizers(next).Count == 0 && !(type is { Group: "", Plural: "pods" } && JsonNumbers.Long(nextMeta["deletionGracePeriodSeconds"]) > 0))
        {
            RemoveLocked(type, next);
        }

        return next;
    }

    private void Commit(ResourceType type, string eventType, JsonObject? previous, JsonObject next)
    {
        var meta = (JsonObject)next["metadata"]!;
        if (_dryRun)
        {
            // A dry run spends no resourceVersion: an update answers with the stored one, a create with none.
            meta["resourceVersion"] = previous?["metadata"]?["resourceVersion"]?.DeepClone();
            if (previous is null)
            {
                meta.Remove("resourceVersion");
            }
        }
        else
        {
            _version++;
            meta["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture);
        }

        var key = Key(NamespaceOf(next), (string)meta["name"]!);
        Bucket(type)[key] = next;
        _byUid[(string)meta["uid"]!] = (type, key);
        Publish(new StoreEvent(_version, type.StorageKey, NamespaceOf(next), eventType, next, previous, next.ToJsonString(HttpBodies.Wire)));
        if (IsDeployment(type) && RolloutPending(next))
        {
            Enqueue((string)meta["uid"]!);
        }
    }

    private void Publish(StoreEvent e)
    {
        if (_dryRun)
        {
            return;
        }

        if (_historyLimit > 0)
        {
            _history.Enqueue(e);
            TrimHistory();
        }
        else
        {
            _compactedThrough = e.ResourceVersion;
        }

        foreach (var w in _watchers)
        {
            if (w.StorageKey == e.StorageKey && (w.Namespace is null || w.Namespace == e.Namespace))
            {
                w.Channel.Writer.TryWrite(e);
            }
        }
    }

    private void TrimHistory()
    {
        while (_history.Count > _historyLimit)
        {
            _compactedThrough = _history.Dequeue().ResourceVersion;
        }
    }

    private void RegisterCrd(JsonObject crd)
    {
        try
        {
            if (!_dryRun)
            {
                Registry.RegisterCustomResourceDefinition(crd);
            }
        }
        catch (ArgumentException e)
        {
            throw new ApiStatusException(422, "Invalid", $"CustomResourceDefinition is invalid: {e.Message}");
        }

        var status = new JsonObject
        {
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["lastTransitionTime"] = Now() },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["lastTransitionTime"] = Now() }),
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["storedVersions"] = new JsonArray((crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(v => v["storage"] is JsonValue s && s.GetValue<bool>()).Select(v => (JsonNode?)JsonValue.Create((string?)v["name"])).ToArray()),
        };
        crd["status"] = status;
    }

    private List<(ResourceType Type, JsonObject Object)> Dependents(string ownerUid)
    {
        var result = new List<(ResourceType, JsonObject)>();
        foreach (var (_, (type, key)) in _byUid)
        {
            if (Bucket(type).TryGetValue(key, out var obj) && OwnerUids(obj).Contains(ownerUid))
            {
                result.Add((type, obj));
            }
        }

        return result;
    }

    private static List<string> OwnerUids(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Select(r => (string?)r?["uid"]).OfType<string>().ToList();

    private static void RemoveOwnerReference(JsonObject obj, string ownerUid)
    {
        var meta = (JsonObject)obj["metadata"]!;
        var refs = (meta["ownerReferences"] as JsonArray ?? []).Where(r => (string?)r?["uid"] != ownerUid).Select(r => r?.DeepClone()).ToArray();
        if (refs.Length == 0)
        {
            meta.Remove("ownerReferences");
        }
        else
        {
            meta["ownerReferences"] = new JsonArray(refs);
        }
    }

    private static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => (string?)f).OfType<string>().ToList();

    private static bool SpecChanged(ResourceType type, JsonObject current, JsonObject next)
    {
        foreach (var key in current.Select(p => p.Key).Union(next.Select(p => p.Key)))
        {
            if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && type.HasStatus))
            {
                continue;
            }

            if (!JsonNode.DeepEquals(current[key], next[key]))
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckKind(ResourceType type, JsonObject obj)
    {
        var kind = (string?)obj["kind"];
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiStatusException.BadRequest($"the kind \"{kind}\" of the provided object does not match the resource {type.QualifiedName} (kind {type.Kind})");
        }

        var apiVersion = (string?)obj["apiVersion"];
        if (!string.IsNullOrEmpty(apiVersion))
        {
            var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
            if (group != type.Group)
            {
                throw ApiStatusException.BadRequest($"the apiVersion \"{apiVersion}\" of the provided object does not match the resource {type.QualifiedName} (group \"{type.Group}\")");
            }
        }
    }

    private static void CheckIdentity(ResourceType type, string? ns, string name, JsonObject body)
    {
        var bodyName = (string?)body["metadata"]?["name"];
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiStatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNamespace = (string?)body["metadata"]?["namespace"];
        if (type.Namespaced && !string.IsNullOrEmpty(bodyNamespace) && ns is not null && bodyNamespace != ns)
        {
            throw ApiStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private JsonObject? Find(ResourceType type, string? ns, string name) =>
        Bucket(type).GetValueOrDefault(Key(type.Namespaced ? ns ?? "" : "", name));

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type.StorageKey, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[type.StorageKey] = bucket;
        }

        return bucket;
    }

    private static long Generation(JsonObject meta) => JsonNumbers.Long(meta["generation"]) ?? 0;

    private static string Key(string ns, string name) => ns + "/" + name;

    private static string NamespaceOf(JsonObject obj) => (string?)obj["metadata"]?["namespace"] ?? "";

    private static string? ResourceVersionOf(JsonObject obj) => (string?)obj["metadata"]?["resourceVersion"];

    private static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex NamePattern();
}
