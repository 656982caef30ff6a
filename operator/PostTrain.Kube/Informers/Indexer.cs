using k8s;
using k8s.Models;

namespace PostTrain.Kube.Informers;

/// <summary>
/// The informer's local cache: objects by key, plus named secondary indexes (e.g. by owner uid) kept up to date
/// on every change. Reads are thread-safe; objects handed out are shared, so treat them as read-only.
/// </summary>
/// <typeparam name="T">Object type.</typeparam>
public sealed class Indexer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The built-in index of objects by namespace.</summary>
    public const string NamespaceIndex = "namespace";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    /// <summary>Creates a cache with the namespace index.</summary>
    public Indexer() => AddIndex(NamespaceIndex, o => string.IsNullOrEmpty(o.Metadata.NamespaceProperty) ? [] : [o.Metadata.NamespaceProperty]);

    /// <summary>Number of cached objects.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds a named index; existing objects are indexed at once.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> indexFunc)
    {
        lock (_gate)
        {
            if (!_indexers.TryAdd(name, indexFunc))
            {
                throw new InvalidOperationException($"index \"{name}\" already exists");
            }

            _indices[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, obj) in _items)
            {
                IndexLocked(name, key, obj);
            }
        }
    }

    /// <summary>The object with a key, if cached.</summary>
    public T? Get(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    /// <summary>The object with a namespace and name, if cached.</summary>
    public T? Get(string? ns, string name) => Get(ObjectKey.Of(ns, name));

    /// <summary>A snapshot of every cached object.</summary>
    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    /// <summary>A snapshot of the keys.</summary>
    public IReadOnlyList<string> Keys()
    {
        lock (_gate)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>The objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new InvalidOperationException($"no index named \"{indexName}\"; add it with AddIndex first");
            }

            return index.TryGetValue(value, out var keys) ? keys.Select(k => _items[k]).ToList() : [];
        }
    }

    /// <summary>Adds or replaces an object; returns the previous one.</summary>
    internal T? Upsert(T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_gate)
        {
            var old = _items.GetValueOrDefault(key);
            if (old is not null)
            {
                UnindexLocked(key, old);
            }

            _items[key] = obj;
            foreach (var name in _indexers.Keys)
            {
                IndexLocked(name, key, obj);
            }

            return old;
        }
    }

    /// <summary>Removes an object by key; returns it.</summary>
    internal T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            UnindexLocked(key, old);
            return old;
        }
    }

    private void IndexLocked(string name, string key, T obj)
    {
        foreach (var value in _indexers[name](obj))
        {
            if (!_indices[name].TryGetValue(value, out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                _indices[name][value] = keys;
            }

            keys.Add(key);
        }
    }

    private void UnindexLocked(string key, T obj)
    {
        foreach (var (name, func) in _indexers)
        {
            foreach (var value in func(obj))
            {
                if (_indices[name].TryGetValue(value, out var keys))
                {
                    keys.Remove(key);
                    if (keys.Count == 0)
                    {
                        _indices[name].Remove(value);
                    }
                }
            }
        }
    }
}
