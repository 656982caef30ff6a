using Microsoft.AspNetCore.Http;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Faults the test API server injects on demand: error responses (429 with Retry-After, 500, ...), dropped
/// connections for matching requests (a network partition), and abrupt termination of open watch streams.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly List<Func<HttpRequest, bool>> _partitions = [];
    private readonly List<CancellationTokenSource> _openWatches = [];
    private int _injected;
    private int _droppedWatches;

    /// <summary>How many requests got an injected fault.</summary>
    public int InjectedCount => Volatile.Read(ref _injected);

    /// <summary>How many watch streams were cut by <see cref="DropWatches"/>.</summary>
    public int DroppedWatchCount => Volatile.Read(ref _droppedWatches);

    /// <summary>
    /// Answers the next <paramref name="count"/> matching requests with <paramref name="statusCode"/> and a Status body.
    /// </summary>
    /// <param name="count">How many requests to fail.</param>
    /// <param name="statusCode">The status code, e.g. 429, 500, 503.</param>
    /// <param name="retryAfterSeconds">A Retry-After header value, if any.</param>
    /// <param name="match">Which requests; null for all.</param>
    public void FailNext(int count, int statusCode, int? retryAfterSeconds = null, Func<HttpRequest, bool>? match = null)
    {
        lock (_gate)
        {
            _rules.Add(new Rule(count, statusCode, retryAfterSeconds, match ?? (_ => true)));
        }
    }

    /// <summary>Drops the connection of every matching request until the returned handle is disposed (a network partition).</summary>
    public IDisposable Partition(Func<HttpRequest, bool> match)
    {
        lock (_gate)
        {
            _partitions.Add(match);
        }

        return new Release(() =>
        {
            lock (_gate)
            {
                _partitions.Remove(match);
            }
        });
    }

    /// <summary>Abruptly cuts every open watch stream (the client sees the connection end mid-stream).</summary>
    public int DropWatches()
    {
        List<CancellationTokenSource> open;
        lock (_gate)
        {
            open = [.. _openWatches];
        }

        foreach (var cts in open)
        {
            try
            {
                cts.Cancel();
                Interlocked.Increment(ref _droppedWatches);
            }
            catch (ObjectDisposedException)
            {
                // already finished
            }
        }

        return open.Count;
    }

    /// <summary>Removes every pending fault rule and partition.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _partitions.Clear();
        }
    }

    internal bool IsPartitioned(HttpRequest request)
    {
        lock (_gate)
        {
            return _partitions.Any(p => p(request));
        }
    }

    internal (int StatusCode, int? RetryAfter)? TakeFault(HttpRequest request)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining > 0 && rule.Match(request))
                {
                    rule.Remaining--;
                    if (rule.Remaining == 0)
                    {
                        _rules.Remove(rule);
                    }

                    Interlocked.Increment(ref _injected);
                    return (rule.StatusCode, rule.RetryAfter);
                }
            }

            return null;
        }
    }

    internal IDisposable TrackWatch(CancellationTokenSource cts)
    {
        lock (_gate)
        {
            _openWatches.Add(cts);
        }

        return new Release(() =>
        {
            lock (_gate)
            {
                _openWatches.Remove(cts);
            }
        });
    }

    private sealed class Rule(int count, int statusCode, int? retryAfter, Func<HttpRequest, bool> match)
    {
        public int Remaining { get; set; } = count;

        public int StatusCode { get; } = statusCode;

        public int? RetryAfter { get; } = retryAfter;

        public Func<HttpRequest, bool> Match { get; } = match;
    }

    private sealed class Release(Action action) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                action();
            }
        }
    }
}
