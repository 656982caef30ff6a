using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// The children this operator created that its informer caches may not show yet (the "expectations" of
/// controller-runtime's and kube-controller-manager's controllers). A reconcile that runs between a create and the
/// informer's ADDED event uses the remembered object instead of creating again or asking the API server, which
/// saves a create (409), a GET and a live check per job. Entries go when the cache shows the child, or after
/// <see cref="Lifetime"/>; forgetting one only costs those requests again.
/// </summary>
public sealed class ChildExpectations
{
    private readonly ConcurrentDictionary<string, (IKubernetesObject<V1ObjectMeta> Child, DateTimeOffset At)> _created = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the memory.</summary>
    public ChildExpectations(TimeProvider time) => _time = time;

    /// <summary>How long a created child is remembered when the cache never shows it.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How many children are remembered now.</summary>
    public int Count => _created.Count;

    /// <summary>Remembers a child just created (or found to exist) through the API.</summary>
    public void Created<T>(T child)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var now = _time.GetUtcNow();
        _created[Key<T>(child.Metadata.NamespaceProperty, child.Metadata.Name)] = (child, now);
        if (_created.Count > 4096)
        {
            foreach (var (key, entry) in _created)
            {
                if (now - entry.At > Lifetime)
                {
                    _created.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>The remembered child, or null when there is none or it is too old.</summary>
    public T? Get<T>(string? ns, string? name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var key = Key<T>(ns, name);
        if (!_created.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (_time.GetUtcNow() - entry.At > Lifetime)
        {
            _created.TryRemove(key, out _);
            return null;
        }

        return entry.Child as T;
    }

    /// <summary>The cache shows the child now: forget it.</summary>
    public void Observed<T>(string? ns, string? name)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        _created.TryRemove(Key<T>(ns, name), out _);

    private static string Key<T>(string? ns, string? name) => $"{typeof(T).Name}/{ns}/{name}";
}
