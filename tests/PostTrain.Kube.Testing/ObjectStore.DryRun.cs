using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// <c>dryRun=All</c>: the request runs through every check and default a real one does and returns what it would
/// have stored, but nothing is stored, no watcher hears of it and no resourceVersion is spent. The store runs the
/// operation on its own state and then puts that state back (objects are never mutated in place, so restoring the
/// dictionaries is enough).
/// </summary>
public sealed partial class ObjectStore
{
    private bool _dryRun;

    private T DryRunLocked<T>(Func<T> operation)
    {
        var objects = _objects.ToDictionary(kv => kv.Key, kv => new SortedDictionary<string, JsonObject>(kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        var byUid = new Dictionary<string, (ResourceType Type, string Key)>(_byUid, StringComparer.Ordinal);
        var version = _version;
        _dryRun = true;
        try
        {
            return operation();
        }
        finally
        {
            _dryRun = false;
            _version = version;
            _objects.Clear();
            foreach (var (key, bucket) in objects)
            {
                _objects[key] = bucket;
            }

            _byUid.Clear();
            foreach (var (key, location) in byUid)
            {
                _byUid[key] = location;
            }
        }
    }
}
