using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Informers;

/// <summary>
/// List-then-watch into an indexed cache, like client-go's shared informer: tracks the resourceVersion through
/// events and bookmarks; on 410 Expired it relists and reports objects deleted while it was away; on dropped
/// streams, idle streams, 5xx and 429 it reconnects with exponential backoff. It stops only when cancelled;
/// failures are logged and kept in <see cref="LastError"/>, never swallowed silently.
/// </summary>
/// <typeparam name="T">Object type.</typeparam>
public sealed class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ResourceClient<T> _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _dispatch = new();
    private readonly List<ResourceEventHandler<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _relists;
    private int _reconnects;
    private volatile Exception? _lastError;
    private volatile bool _running;
    private string? _resourceVersion;

    /// <summary>Creates an informer over a resource client.</summary>
    public Informer(ResourceClient<T> client, InformerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _client = client;
        Options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        Name = $"{client.Descriptor.Plural}{(client.Descriptor.Group.Length > 0 ? "." + client.Descriptor.Group : "")}{(Options.Namespace is null ? "" : " in " + Options.Namespace)}";
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The options.</summary>
    public InformerOptions Options { get; }

    /// <summary>The resource informed on.</summary>
    public ResourceDescriptor Descriptor => _client.Descriptor;

    /// <summary>The local cache.</summary>
    public Indexer<T> Cache { get; } = new();

    /// <inheritdoc />
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <inheritdoc />
    public bool IsRunning => _running;

    /// <inheritdoc />
    public Exception? LastError => _lastError;

    /// <summary>The resourceVersion the next watch resumes from.</summary>
    public string? LastSyncResourceVersion => Volatile.Read(ref _resourceVersion);

    /// <summary>How many times the informer relisted after the first list (410 Expired, failed watch starts).</summary>
    public int RelistCount => Volatile.Read(ref _relists);

    /// <summary>How many times a watch was re-opened.</summary>
    public int ReconnectCount => Volatile.Read(ref _reconnects);

    /// <summary>Registers callbacks; if the cache already holds objects they are delivered as adds first.</summary>
    public void AddHandler(ResourceEventHandler<T> handler)
    {
        lock (_dispatch)
        {
            _handlers.Add(handler);
            foreach (var obj in Cache.List())
            {
                Invoke(() => handler.OnAdd?.Invoke(obj));
            }
        }
    }

    /// <inheritdoc />
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_running)
        {
            throw new InvalidOperationException($"informer {Name} is already running");
        }

        _running = true;
        using var resyncStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var resync = Options.ResyncPeriod is { } period && period > TimeSpan.Zero ? ResyncLoopAsync(period, resyncStop.Token) : Task.CompletedTask;
        try
        {
            await ListWatchLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await resyncStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await resync.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _running = false;
        }
    }

    private async Task ListWatchLoopAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(cancellationToken).ConfigureAwait(false);
                    needList = false;
                    failures = 0;
                }

                if (await WatchOnceAsync(cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                }

                Interlocked.Increment(ref _reconnects);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException e) when (e.IsGone)
            {
                _logger.LogInformation("informer {Informer}: resourceVersion {Version} expired ({Message}); relisting", Name, LastSyncResourceVersion, e.Message);
                needList = true;
                Interlocked.Increment(ref _relists);
            }
            catch (Exception e)
            {
                _lastError = e;
                failures++;
                var delay = Backoff(failures);
                _logger.LogWarning(e, "informer {Informer}: list/watch failed ({Failures} in a row); retrying in {Delay} ms", Name, failures, (int)delay.TotalMilliseconds);
                Interlocked.Increment(ref _reconnects);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (needList)
                {
                    Interlocked.Increment(ref _relists);
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var baseMs = Options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(baseMs, Options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private async Task ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var list = await _client.ListAllAsync(Options.Namespace, new ListOptions { LabelSelector = Options.LabelSelector, FieldSelector = Options.FieldSelector }, Options.PageSize, cancellationToken).ConfigureAwait(false);
        lock (_dispatch)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list.Items)
            {
                item.ApiVersion ??= _client.Descriptor.ApiVersion;
                item.Kind ??= _client.Descriptor.Kind;
                var key = ObjectKey.Of(item);
                seen.Add(key);
                var old = Cache.Upsert(item);
                if (old is null)
                {
                    Dispatch(h => h.OnAdd?.Invoke(item));
                }
                else if (old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
                {
                    Dispatch(h => h.OnUpdate?.Invoke(old, item));
                }
            }

            foreach (var key in Cache.Keys().Where(k => !seen.Contains(k)).ToList())
            {
                if (Cache.Remove(key) is { } gone)
                {
                    _logger.LogInformation("informer {Informer}: {Key} was deleted while disconnected", Name, key);
                    Dispatch(h => h.OnDelete?.Invoke(gone, true));
                }
            }

            Volatile.Write(ref _resourceVersion, list.Metadata.ResourceVersion);
        }

        _lastError = null;
        _synced.TrySetResult();
    }

    /// <summary>One watch request; returns whether it delivered anything.</summary>
    private async Task<bool> WatchOnceAsync(CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(Options.WatchIdleTimeout);
        var delivered = false;
        var timeout = (int)Math.Max(1, Options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var options = new WatchOptions
        {
            ResourceVersion = LastSyncResourceVersion,
            LabelSelector = Options.LabelSelector,
            FieldSelector = Options.FieldSelector,
            AllowBookmarks = true,
            TimeoutSeconds = timeout,
        };
        try
        {
            await foreach (var e in _client.WatchAsync(Options.Namespace, options, idle.Token).ConfigureAwait(false))
            {
                idle.CancelAfter(Options.WatchIdleTimeout);
                delivered = true;
                _lastError = null;
                Apply(e);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"watch of {Name} delivered nothing for {Options.WatchIdleTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; re-opening it");
        }

        return delivered;
    }

    private void Apply(WatchEvent<T> e)
    {
        var obj = e.Object;
        lock (_dispatch)
        {
            switch (e.Type)
            {
                case WatchEventType.Bookmark:
                    break;
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    {
                        var old = Cache.Upsert(obj);
                        if (old is null)
                        {
                            Dispatch(h => h.OnAdd?.Invoke(obj));
                        }
                        else
                        {
                            Dispatch(h => h.OnUpdate?.Invoke(old, obj));
                        }

                        break;
                    }

                case WatchEventType.Deleted:
                    {
                        var old = Cache.Remove(ObjectKey.Of(obj));
                        Dispatch(h => h.OnDelete?.Invoke(obj, false));
                        _ = old;
                        break;
                    }
            }

            if (obj.Metadata.ResourceVersion is { Length: > 0 } rv)
            {
                Volatile.Write(ref _resourceVersion, rv);
            }
        }
    }

    private async Task ResyncLoopAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        await WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(period, _time, cancellationToken).ConfigureAwait(false);
            lock (_dispatch)
            {
                foreach (var obj in Cache.List())
                {
                    Dispatch(h => h.OnUpdate?.Invoke(obj, obj));
                }
            }
        }
    }

    private void Dispatch(Action<ResourceEventHandler<T>> action)
    {
        foreach (var handler in _handlers)
        {
            Invoke(() => action(handler));
        }
    }

    private void Invoke(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "informer {Informer}: an event handler threw", Name);
        }
    }
}
