using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Events;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Controllers;

/// <summary>What the three job reconcilers share: the client, the informer caches and the collaborators.</summary>
public sealed class OperatorContext
{
    private static readonly TimeSpan DeletedMemory = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _deleted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _reported = new(StringComparer.Ordinal);

    /// <summary>Creates the context.</summary>
    public OperatorContext(
        KubernetesClient client,
        EventRecorder events,
        IWorkerStatusClient workers,
        WorkloadRenderer renderer,
        ReconcilerOptions options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        Client = client;
        Events = events;
        Workers = workers;
        Renderer = renderer;
        Options = options;
        Time = time;
        Loggers = loggers;
        Expectations = new ChildExpectations(time);
        StatusWrites = new StatusWrites(time);
    }

    /// <summary>Children created but maybe not in the caches yet.</summary>
    public ChildExpectations Expectations { get; }

    /// <summary>The statuses written but maybe not in the caches yet.</summary>
    public StatusWrites StatusWrites { get; }

    /// <summary>The API client.</summary>
    public KubernetesClient Client { get; }

    /// <summary>The event recorder.</summary>
    public EventRecorder Events { get; }

    /// <summary>Reads running workers' /status.</summary>
    public IWorkerStatusClient Workers { get; }

    /// <summary>Renders the children.</summary>
    public WorkloadRenderer Renderer { get; }

    /// <summary>Timing.</summary>
    public ReconcilerOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Logger factory.</summary>
    public ILoggerFactory Loggers { get; }

    /// <summary>Remembers that the operator deleted the object with this uid (TTL), so a lagging cache cannot act on it again.</summary>
    public void MarkDeleted(string? uid)
    {
        if (uid is null)
        {
            return;
        }

        var now = Time.GetUtcNow();
        _deleted[uid] = now;
        foreach (var (key, at) in _deleted)
        {
            if (now - at > DeletedMemory)
            {
                _deleted.TryRemove(key, out _);
            }
        }
    }

    /// <summary>True the first time it is called for <paramref name="key"/> (within 10 minutes): report a failed pod once.</summary>
    public bool FirstReport(string key)
    {
        var now = Time.GetUtcNow();
        if (!_reported.TryAdd(key, now))
        {
            return false;
        }

        if (_reported.Count > 4096)
        {
            foreach (var (old, at) in _reported)
            {
                if (now - at > DeletedMemory)
                {
                    _reported.TryRemove(old, out _);
                }
            }
        }

        return true;
    }

    /// <summary>Whether the operator deleted the object with this uid.</summary>
    public bool WasDeleted(string? uid) => uid is not null && _deleted.ContainsKey(uid);

    /// <summary>The client for one PostTrain kind.</summary>
    public ResourceClient<JobResource> JobClient(ResourceDescriptor kind) => Client.Resource<JobResource>(kind);
}
