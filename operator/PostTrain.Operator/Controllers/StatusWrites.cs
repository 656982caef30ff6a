using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// The last status this operator wrote for each job, with the resourceVersion the job had before and after the
/// write. A reconcile that still sees the old version in its cache and computes the same status skips the write:
/// it would only fail with 409 Conflict (stale resourceVersion) and be retried. An entry goes as soon as the cache
/// shows the written version, so only writes in flight are remembered.
/// </summary>
public sealed class StatusWrites
{
    private static readonly TimeSpan Memory = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, (string? Before, string? After, string Status, DateTimeOffset At)> _written = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the memory.</summary>
    public StatusWrites(TimeProvider time) => _time = time;

    /// <summary>How many writes are remembered now.</summary>
    public int Count => _written.Count;

    /// <summary>Whether <paramref name="status"/> was already written over <paramref name="cachedVersion"/> (the cache lags).</summary>
    public bool AlreadyWritten(string? uid, string? cachedVersion, JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (uid is null || !_written.TryGetValue(uid, out var entry))
        {
            return false;
        }

        if (entry.Before != cachedVersion)
        {
            // The cache moved on (to our write or past it): nothing in flight any more.
            _written.TryRemove(uid, out _);
            return false;
        }

        return entry.Status == status.ToJsonString();
    }

    /// <summary>Records a write.</summary>
    public void Record(string? uid, string? before, string? after, JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (uid is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        _written[uid] = (before, after, status.ToJsonString(), now);
        if (_written.Count > 4096)
        {
            foreach (var (key, entry) in _written)
            {
                if (now - entry.At > Memory)
                {
                    _written.TryRemove(key, out _);
                }
            }
        }
    }
}
