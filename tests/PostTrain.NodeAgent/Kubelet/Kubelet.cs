using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// The kubelet: reconciles every pod bound to this node into a <see cref="PodWorker"/> (one per pod uid), hands
/// workers the pod's changes, and removes a worker (killing what still runs, freeing its IP and folder) once its pod
/// is gone from the API. A pod that shows started containers but has no worker was running under an earlier agent;
/// its processes are gone, so it is reported as a kubelet reports containers it can no longer find. It also answers
/// the questions other parts ask of the node: a peer pod's address, and where a container's log is.
/// </summary>
internal sealed class Kubelet(KubeletContext context, Indexer<V1Pod> pods, string nodeName) : IReconciler, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _endedEarlier = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile bool _stopping;

    /// <summary>The pods this kubelet runs now (for tests and diagnostics).</summary>
    public int RunningPods => _workers.Count;

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var key = request.ToString();
        var pod = pods.Get(key);
        if (_workers.TryGetValue(key, out var worker) && (pod is null || pod.Metadata.Uid != worker.Uid || pod.Spec.NodeName != nodeName))
        {
            _workers.TryRemove(new KeyValuePair<string, PodWorker>(key, worker));
            await worker.DisposeAsync().ConfigureAwait(false);
            worker.DeleteFiles();
            worker = null;
        }

        if (pod is null && _endedEarlier.TryRemove(key, out var uid))
        {
            // a pod that ended under an earlier agent is gone: so are its folder and logs
            DeleteFolder(Path.Combine(context.PodsDirectory, uid));
        }

        if (pod is null || pod.Spec.NodeName != nodeName || _stopping)
        {
            return ReconcileResult.Done;
        }

        if (worker is not null)
        {
            worker.Update(pod);
            return ReconcileResult.Done;
        }

        var finished = pod.Status?.Phase is "Succeeded" or "Failed";
        if (!finished && pod.Status?.ContainerStatuses?.Any(c => c.State?.Waiting is null) == true)
        {
            await ReportLostAsync(pod, cancellationToken).ConfigureAwait(false);
            finished = true;
        }

        if (pod.Metadata.DeletionTimestamp is not null && (finished || pod.Status?.ContainerStatuses is null))
        {
            // ended (or never started) here: nothing to stop, so complete the graceful deletion
            await DeleteAsync(pod, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (finished)
        {
            _endedEarlier[key] = pod.Metadata.Uid!;
            return ReconcileResult.Done;
        }

        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopping)
            {
                return ReconcileResult.Done;
            }

            worker = new PodWorker(pod, context);
            _workers[key] = worker;
            worker.Start();
        }
        finally
        {
            _lifecycle.Release();
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// The address of the running (or starting) pod with this hostname and subdomain in <paramref name="ns"/>: from
    /// this node's workers, else from the pod's status in the cache (a pod on another node).
    /// </summary>
    public PeerAddress FindPeer(string ns, string hostname, string subdomain)
    {
        foreach (var worker in _workers.Values)
        {
            if (worker.Namespace == ns && worker.Hostname == hostname && worker.Subdomain == subdomain && !worker.HasFinished)
            {
                return new PeerAddress(true, worker.PodIP);
            }
        }

        foreach (var pod in pods.ByIndex(Indexer<V1Pod>.NamespaceIndex, ns))
        {
            if ((pod.Spec.Hostname ?? pod.Metadata.Name) == hostname && pod.Spec.Subdomain == subdomain
                && pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed"))
            {
                return new PeerAddress(true, pod.Status?.PodIP is { Length: > 0 } ip ? ip : null);
            }
        }

        return PeerAddress.None;
    }

    /// <summary>Where a container's log is: from its worker, or (for a pod that ended under an earlier agent) from its folder.</summary>
    public (ContainerLogSource? Source, string? Error, bool NotFound) FindLog(string ns, string name, string container, bool previous)
    {
        if (_workers.TryGetValue(ObjectKey.Of(ns, name), out var worker))
        {
            var (source, error) = worker.FindLog(container, previous);
            return (source, error, false);
        }

        if (pods.Get(ns, name) is not { } pod)
        {
            return (null, $"pod {ns}/{name} not found on node {nodeName}", true);
        }

        var logs = Path.Combine(context.PodsDirectory, pod.Metadata.Uid ?? "", "containers", container, "logs");
        var runs = Directory.Exists(logs)
            ? Directory.GetFiles(logs, "*.log").Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f), out var n) ? n : -1).Where(n => n >= 0).Order().ToList()
            : [];
        var run = previous ? runs.Count - 2 : runs.Count - 1;
        return run < 0
            ? (null, $"container \"{container}\" in pod \"{name}\" has no log on node {nodeName}", false)
            : (new ContainerLogSource(Path.Combine(logs, $"{runs[run]}.log"), Task.CompletedTask), null, false);
    }

    /// <summary>Ends every pod as a graceful node shutdown does (SIGTERM, at most <paramref name="grace"/>, SIGKILL; Failed, Terminated).</summary>
    public async Task ShutdownAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        _stopping = true;
        _lifecycle.Release();
        var workers = _workers.Values.ToList();
        try
        {
            await Task.WhenAll(workers.Select(w => w.ShutdownAsync(grace))).WaitAsync(grace + TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            context.Logger.LogWarning("node shutdown: some pods did not report their end in time; killing them");
        }

        foreach (var worker in workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        _workers.Clear();
    }

    /// <summary>Removes the folders of pods that no longer exist (left by an earlier agent).</summary>
    public void RemoveStaleFolders()
    {
        if (!Directory.Exists(context.PodsDirectory))
        {
            return;
        }

        var live = pods.List().Select(p => p.Metadata.Uid).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(context.PodsDirectory))
        {
            if (!live.Contains(Path.GetFileName(folder)))
            {
                DeleteFolder(folder);
            }
        }
    }

    private void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Logger.LogWarning(e, "could not remove the pod folder {Folder}", folder);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        foreach (var worker in _workers.Values)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        _workers.Clear();
        _lifecycle.Dispose();
    }

    /// <summary>A pod that was running under an earlier agent: its containers cannot be found, so it failed.</summary>
    private async Task ReportLostAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var now = JsonFields.Timestamp(DateTimeOffset.UtcNow);
        var statuses = new JsonArray();
        foreach (var container in pod.Status?.ContainerStatuses ?? [])
        {
            var terminated = KubeJson.ToNode(container.State?.Terminated) as JsonObject ?? new JsonObject
            {
                ["exitCode"] = 137,
                ["reason"] = "ContainerStatusUnknown",
                ["message"] = "The container could not be located when the pod was terminated",
                ["startedAt"] = container.State?.Running?.StartedAt is { } started ? JsonFields.Timestamp(new DateTimeOffset(started, TimeSpan.Zero)) : null,
                ["finishedAt"] = now,
            };
            statuses.Add(new JsonObject { ["name"] = container.Name, ["state"] = new JsonObject { ["terminated"] = terminated }, ["ready"] = false, ["started"] = false, ["restartCount"] = container.RestartCount });
        }

        context.Logger.LogWarning("pod {Namespace}/{Pod} ran under an earlier node agent; its containers are gone, so it failed", pod.Metadata.NamespaceProperty, pod.Metadata.Name);
        try
        {
            await context.Client.Pods.PatchAsync(
                pod.Metadata.Name!,
                PatchType.StrategicMerge,
                new JsonObject
                {
                    ["status"] = new JsonObject
                    {
                        ["phase"] = "Failed",
                        ["containerStatuses"] = statuses,
                        ["conditions"] = new JsonArray(
                            new JsonObject { ["type"] = "Ready", ["status"] = "False", ["reason"] = "PodCompleted", ["lastTransitionTime"] = now },
                            new JsonObject { ["type"] = "ContainersReady", ["status"] = "False", ["reason"] = "PodCompleted", ["lastTransitionTime"] = now }),
                    },
                },
                pod.Metadata.NamespaceProperty,
                status: true,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            // gone meanwhile
        }
    }

    private async Task DeleteAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await context.Client.Pods.DeleteAsync(pod.Metadata.Name!, pod.Metadata.NamespaceProperty, new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = pod.Metadata.Uid }, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // gone meanwhile
        }
    }
}
