using System.Text;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Leader;

namespace PostTrain.Kube.Controllers;

/// <summary>
/// Runs informers on every replica and controllers only while this replica leads (when leader election is
/// configured), and answers health (/healthz: informers running) and readiness (/readyz: caches synced).
/// Losing leadership stops every controller and ends <see cref="RunAsync"/> with <see cref="LeadershipLostException"/>,
/// so the process can exit and restart as a candidate (controller-runtime does the same).
/// </summary>
public sealed class ControllerManager
{
    private readonly List<IInformer> _informers = [];
    private readonly List<(string Name, IRunnable Runnable)> _runnables = [];
    private readonly LeaderElector? _elector;
    private readonly ILogger _logger;
    private volatile bool _running;

    /// <summary>Creates a manager; with an elector, controllers run only while leading.</summary>
    public ControllerManager(LeaderElector? elector = null, ILogger? logger = null)
    {
        _elector = elector;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Whether this replica runs the controllers now.</summary>
    public bool IsLeader => _elector?.IsLeader ?? _running;

    /// <summary>Adds a controller and its informers.</summary>
    public ControllerManager Add<T>(Controller<T> controller)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        foreach (var informer in controller.Informers.Where(i => !_informers.Contains(i)))
        {
            _informers.Add(informer);
        }

        _runnables.Add((controller.Name, controller));
        return this;
    }

    /// <summary>Adds an informer that no controller owns.</summary>
    public ControllerManager Add(IInformer informer)
    {
        if (!_informers.Contains(informer))
        {
            _informers.Add(informer);
        }

        return this;
    }

    /// <summary>Adds a leader-only task.</summary>
    public ControllerManager Add(string name, IRunnable runnable)
    {
        _runnables.Add((name, runnable));
        return this;
    }

    /// <summary>Healthy: the manager runs and every informer loop is alive.</summary>
    public bool IsHealthy => _running && _informers.TrueForAll(i => i.IsRunning);

    /// <summary>Ready: every informer has synced its cache.</summary>
    public bool IsReady => _running && _informers.TrueForAll(i => i.HasSynced);

    /// <summary>A line per informer: running, synced, last error.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append("leader: ").Append(IsLeader ? "yes" : "no").Append('\n');
        foreach (var i in _informers)
        {
            text.Append(i.Name).Append(": ").Append(i.IsRunning ? "running" : "stopped").Append(", ").Append(i.HasSynced ? "synced" : "not synced");
            if (i.LastError is { } e)
            {
                text.Append(", last error: ").Append(e.Message);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Maps /healthz and /readyz (200 "ok" or 503 with the description).</summary>
    public void MapHealthEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => IsHealthy ? Results.Text("ok") : Results.Text(Describe(), statusCode: 503));
        endpoints.MapGet("/readyz", () => IsReady ? Results.Text("ok") : Results.Text(Describe(), statusCode: 503));
    }

    /// <summary>Runs until cancelled (or leadership is lost).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _running = true;
        var informers = _informers.Select(i => Task.Run(() => i.RunAsync(stop.Token), CancellationToken.None)).ToList();
        try
        {
            if (_elector is null)
            {
                await RunControllersAsync(stop.Token).ConfigureAwait(false);
                return;
            }

            var lost = await _elector.RunAsync(RunControllersAsync, stop.Token).ConfigureAwait(false);
            if (lost)
            {
                throw new LeadershipLostException($"{_elector.Options.Identity} lost the lease {_elector.Options.LeaseNamespace}/{_elector.Options.LeaseName}");
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(informers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _running = false;
        }
    }

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("manager: starting {Count} controllers", _runnables.Count);
        var tasks = _runnables.Select(r => Task.Run(
            async () =>
            {
                try
                {
                    await r.Runnable.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            },
            CancellationToken.None));
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
