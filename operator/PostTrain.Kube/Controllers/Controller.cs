using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Queue;

namespace PostTrain.Kube.Controllers;

/// <summary>
/// A controller: changes of the primary kind, of owned children (mapped to their controller owner) and of
/// anything else watched are turned into keys on a work queue; N workers reconcile them, never two on one key.
/// </summary>
/// <typeparam name="T">The primary kind.</typeparam>
public sealed class Controller<T> : IRunnable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IReconciler _reconciler;
    private readonly ILogger _logger;
    private readonly List<IInformer> _informers = [];
    private long _reconciles;
    private long _errors;

    /// <summary>Creates a controller for the primary informer's kind.</summary>
    public Controller(string name, Informer<T> primary, IReconciler reconciler, ControllerOptions? options = null, ILogger? logger = null)
    {
        Name = name;
        Primary = primary;
        _reconciler = reconciler;
        Options = options ?? new ControllerOptions();
        if (Options.Workers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Workers, "a controller needs at least one worker");
        }

        _logger = logger ?? NullLogger.Instance;
        Queue = new WorkQueue<string>(Options.RateLimiter, Options.TimeProvider);
        _informers.Add(primary);
        primary.AddHandler(new ResourceEventHandler<T>
        {
            OnAdd = o => Queue.Add(ObjectKey.Of(o)),
            OnUpdate = (_, o) => Queue.Add(ObjectKey.Of(o)),
            OnDelete = (o, _) => Queue.Add(ObjectKey.Of(o)),
        });
    }

    /// <summary>The controller's name (logs, metrics).</summary>
    public string Name { get; }

    /// <summary>The primary informer.</summary>
    public Informer<T> Primary { get; }

    /// <summary>The options.</summary>
    public ControllerOptions Options { get; }

    /// <summary>The work queue of "namespace/name" keys.</summary>
    public WorkQueue<string> Queue { get; }

    /// <summary>Informers the controller depends on (primary, owned, watched).</summary>
    public IReadOnlyList<IInformer> Informers => _informers;

    /// <summary>Reconciles completed.</summary>
    public long ReconcileCount => Interlocked.Read(ref _reconciles);

    /// <summary>Reconciles that ended in an error.</summary>
    public long ErrorCount => Interlocked.Read(ref _errors);

    /// <summary>Called after every reconcile with the request, the result and the duration (metrics hook).</summary>
    public event Action<ReconcileRequest, ReconcileResult, TimeSpan>? Reconciled;

    /// <summary>
    /// Reconciles the controller owner of every changed child: a child whose controller owner reference names the
    /// primary kind (same group, any version) enqueues that owner.
    /// </summary>
    public Controller<T> Owns<TChild>(Informer<TChild> children)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var kind = (Primary.Descriptor.Group, Primary.Descriptor.Kind);
        return Watches(children, child =>
        {
            var owner = OwnerReferences.GetController(child);
            if (owner is null || owner.Kind != kind.Kind || Group(owner.ApiVersion) != kind.Group)
            {
                return [];
            }

            return [new ReconcileRequest(child.Metadata.NamespaceProperty, owner.Name)];
        });
    }

    /// <summary>Reconciles whatever <paramref name="map"/> returns for each changed object of another kind.</summary>
    public Controller<T> Watches<TOther>(Informer<TOther> informer, Func<TOther, IEnumerable<ReconcileRequest>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        _informers.Add(informer);
        void Enqueue(TOther o)
        {
            foreach (var request in map(o))
            {
                Queue.Add(request.ToString());
            }
        }

        informer.AddHandler(new ResourceEventHandler<TOther>
        {
            OnAdd = Enqueue,
            OnUpdate = (old, o) =>
            {
                Enqueue(o);
                if (!ReferenceEquals(old, o))
                {
                    Enqueue(old);
                }
            },
            OnDelete = (o, _) => Enqueue(o),
        });
        return this;
    }

    /// <summary>Waits for every informer to sync, then runs the workers until cancelled (informers run elsewhere).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_informers.Select(i => i.WaitForSyncAsync(cancellationToken))).ConfigureAwait(false);
        _logger.LogInformation("controller {Controller}: caches synced, starting {Workers} workers", Name, Options.Workers);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Options.Workers).Select(_ => Task.Run(() => WorkerAsync(cancellationToken), CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            Queue.ShutDown();
        }
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            (bool Ok, string Item) next;
            try
            {
                next = await Queue.TryGetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!next.Ok)
            {
                return;
            }

            var key = next.Item;
            try
            {
                await ProcessAsync(key, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKey.Split(key);
        var request = new ReconcileRequest(ns, name);
        var started = Stopwatch.GetTimestamp();
        ReconcileResult result;
        try
        {
            result = await _reconciler.ReconcileAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            result = ReconcileResult.Error(e);
        }

        Interlocked.Increment(ref _reconciles);
        switch (result.Outcome)
        {
            case ReconcileOutcome.Done:
                Queue.Forget(key);
                break;
            case ReconcileOutcome.RequeueAfter:
                Queue.Forget(key);
                Queue.AddAfter(key, result.Delay);
                break;
            case ReconcileOutcome.Error:
                Interlocked.Increment(ref _errors);
                _logger.LogWarning(result.Failure, "controller {Controller}: reconcile of {Key} failed (retry {Retry}); will retry with backoff", Name, key, Queue.NumRequeues(key) + 1);
                Queue.AddRateLimited(key);
                break;
            case ReconcileOutcome.TerminalError:
                Interlocked.Increment(ref _errors);
                _logger.LogError(result.Failure, "controller {Controller}: reconcile of {Key} failed terminally; not retrying until the object changes", Name, key);
                Queue.Forget(key);
                break;
        }

        Reconciled?.Invoke(request, result, Stopwatch.GetElapsedTime(started));
    }

    private static string Group(string apiVersion) => apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
}
