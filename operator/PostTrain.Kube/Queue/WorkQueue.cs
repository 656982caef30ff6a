namespace PostTrain.Kube.Queue;

/// <summary>
/// A controller work queue with client-go semantics: an item is queued at most once (dedup), is never handed
/// to two workers at once (an item added while processing is re-queued when <see cref="Done"/> is called),
/// delayed adds keep the earliest due time, and rate-limited adds back off per item.
/// </summary>
/// <typeparam name="T">Item type (usually a "namespace/name" key).</typeparam>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, DateTimeOffset> _waiting = [];
    private readonly List<TaskCompletionSource> _getters = [];
    private readonly IRateLimiter<T> _rateLimiter;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _delaySignal = new(0);
    private readonly Task _delayLoop;
    private bool _shuttingDown;

    /// <summary>Creates a queue.</summary>
    /// <param name="rateLimiter">Backoff for <see cref="AddRateLimited"/>; controller-runtime's default when null.</param>
    /// <param name="time">Clock, for tests.</param>
    /// <param name="runDelayLoop">Whether a background loop moves delayed items in when due (tests drive <see cref="PromoteDue"/> instead).</param>
    public WorkQueue(IRateLimiter<T>? rateLimiter = null, TimeProvider? time = null, bool runDelayLoop = true)
    {
        _time = time ?? TimeProvider.System;
        _rateLimiter = rateLimiter ?? RateLimiters.DefaultController<T>(_time);
        _delayLoop = runDelayLoop ? Task.Run(DelayLoopAsync) : Task.CompletedTask;
    }

    /// <summary>Items ready to be handed out.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Items waiting for a delayed add.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues an item now (no-op when it is already queued; deferred while it is being processed).</summary>
    public void Add(T item)
    {
        lock (_gate)
        {
            AddLocked(item);
        }
    }

    /// <summary>Queues an item after a delay; when it is already waiting, the earlier due time wins.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(item, out var existing) && existing <= due)
            {
                return;
            }

            _waiting[item] = due;
        }

        _delaySignal.Release();
    }

    /// <summary>Queues an item after its rate limiter's delay (one more failure).</summary>
    public void AddRateLimited(T item) => AddAfter(item, _rateLimiter.When(item));

    /// <summary>Clears the item's failure count.</summary>
    public void Forget(T item) => _rateLimiter.Forget(item);

    /// <summary>How many failures the rate limiter counts for the item.</summary>
    public int NumRequeues(T item) => _rateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for the next item and marks it processing; returns false when the queue is shut down and drained.
    /// Every item taken must be given back with <see cref="Done"/>.
    /// </summary>
    public async Task<(bool Ok, T Item)> TryGetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                if (_queue.Count > 0)
                {
                    var item = _queue.Dequeue();
                    _dirty.Remove(item);
                    _processing.Add(item);
                    return (true, item);
                }

                if (_shuttingDown)
                {
                    return (false, default!);
                }

                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _getters.Add(signal);
            }

            try
            {
                await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _getters.Remove(signal);
                }
            }
        }
    }

    /// <summary>Marks an item done; if it was added meanwhile it is queued again.</summary>
    public void Done(T item)
    {
        lock (_gate)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                WakeOne();
            }
        }
    }

    /// <summary>Moves every delayed item that is due into the queue; returns the next due time, if any.</summary>
    public DateTimeOffset? PromoteDue()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            DateTimeOffset? next = null;
            foreach (var (item, due) in _waiting.OrderBy(w => w.Value).ToList())
            {
                if (due <= now)
                {
                    _waiting.Remove(item);
                    AddLocked(item);
                }
                else if (next is null || due < next)
                {
                    next = due;
                }
            }

            return next;
        }
    }

    /// <summary>Stops accepting items; getters drain what is queued, then get false.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
            _waiting.Clear();
            foreach (var g in _getters)
            {
                g.TrySetResult();
            }
        }

        _stop.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ShutDown();
        try
        {
            _delayLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
        _delaySignal.Dispose();
    }

    private void AddLocked(T item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return;
        }

        if (_processing.Contains(item))
        {
            return;
        }

        _queue.Enqueue(item);
        WakeOne();
    }

    private void WakeOne()
    {
        if (_getters.Count > 0)
        {
            var g = _getters[0];
            _getters.RemoveAt(0);
            g.TrySetResult();
        }
    }

    private async Task DelayLoopAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var next = PromoteDue();
                var wait = next is { } due ? due - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
                {
                    continue;
                }

                using var wake = CancellationTokenSource.CreateLinkedTokenSource(token);
                var signalled = _delaySignal.WaitAsync(wake.Token);
                var delay = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, wake.Token) : Task.Delay(wait, _time, wake.Token);
                await Task.WhenAny(signalled, delay).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(signalled, delay).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
