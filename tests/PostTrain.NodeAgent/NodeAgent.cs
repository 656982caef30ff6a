using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Queue;
using PostTrain.NodeAgent.Jobs;
using PostTrain.NodeAgent.Kubelet;
using PostTrain.NodeAgent.Nodes;
using PostTrain.NodeAgent.Processes;
using PostTrain.NodeAgent.Scheduling;
using PostTrain.NodeAgent.Storage;
using KubeletService = PostTrain.NodeAgent.Kubelet.Kubelet;

namespace PostTrain.NodeAgent;

/// <summary>
/// A node of the test cluster on this machine (docs/node-agent.md): registers a Node, and runs the kubelet (pods
/// bound to it as local processes, their logs on its own HTTP endpoint) and, with
/// <see cref="NodeAgentOptions.ControlPlane"/>, the scheduler, the Job, TTL-after-finished and PersistentVolume
/// controllers. Disposing it ends its pods as a graceful node shutdown does and marks the Node not ready.
/// </summary>
/// <example>
/// <code>
/// await using var agent = await NodeAgent.StartAsync(new NodeAgentOptions { Server = server.BaseAddress, DataDirectory = dir }, ct);
/// </code>
/// </example>
public sealed partial class NodeAgent : IAsyncDisposable
{
    private readonly KubernetesClient _client;
    private readonly KubeletServer _server;
    private readonly KubeletService _kubelet;
    private readonly NodeRegistration _registration;
    private readonly CancellationTokenSource _stop;
    private readonly Task _controllers;
    private readonly Task _heartbeats;
    private readonly ILogger _logger;
    private int _disposed;

    private NodeAgent(NodeAgentOptions options, string dataDirectory, string workerDll, KubernetesClient client, KubeletServer server, KubeletService kubelet, NodeRegistration registration, CancellationTokenSource stop, Task controllers, Task heartbeats, ILogger logger)
    {
        Options = options;
        DataDirectory = dataDirectory;
        WorkerDll = workerDll;
        _client = client;
        _server = server;
        _kubelet = kubelet;
        _registration = registration;
        _stop = stop;
        _controllers = controllers;
        _heartbeats = heartbeats;
        _logger = logger;
    }

    /// <summary>The options it runs with.</summary>
    public NodeAgentOptions Options { get; }

    /// <summary>The Node's name.</summary>
    public string NodeName => Options.NodeName;

    /// <summary>The data directory (absolute): <c>pods/UID</c> per pod, <c>pvcs/NAMESPACE/CLAIM</c> per claim.</summary>
    public string DataDirectory { get; }

    /// <summary>The worker that <c>posttrain-worker</c> images run.</summary>
    public string WorkerDll { get; }

    /// <summary>The kubelet endpoint (container logs), e.g. http://127.0.0.1:41234/.</summary>
    public Uri KubeletEndpoint => new($"http://127.0.0.1:{_server.Port}/");

    /// <summary>How many pods run on this node now.</summary>
    public int RunningPods => _kubelet.RunningPods;

    /// <summary>The host folder of a PersistentVolumeClaim (made when the claim is bound or first mounted).</summary>
    public string ClaimDirectory(string ns, string claim) => PodVolumes.ClaimFolder(Path.Combine(DataDirectory, "pvcs"), ns, claim);

    /// <summary>Completes (with its exception) if the agent's controllers stop on their own before it is disposed.</summary>
    public Task Completion => _controllers;

    /// <summary>Registers the Node, starts the kubelet endpoint and the controllers, and waits until the pod cache is synced.</summary>
    public static async Task<NodeAgent> StartAsync(NodeAgentOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!NodeNamePattern().IsMatch(options.NodeName))
        {
            throw new ArgumentException($"node name \"{options.NodeName}\" is not a lowercase RFC 1123 subdomain", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new ArgumentException("a data directory is required", nameof(options));
        }

        var configuration = options.Kubernetes
            ?? (options.Server is { } server
                ? KubeClientConfig.ForServer(server, userAgent: $"posttrain-node-agent/{options.NodeName}")
                : throw new ArgumentException("set Server (the API server's address) or Kubernetes (a client configuration)", nameof(options)));
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger("PostTrain.NodeAgent");
        var data = Path.GetFullPath(options.DataDirectory);
        var podsDirectory = Path.Combine(data, "pods");
        var claimsDirectory = Path.Combine(data, "pvcs");
        Directory.CreateDirectory(podsDirectory);
        Directory.CreateDirectory(claimsDirectory);
        if (OrphanProcesses.KillAll(podsDirectory) is > 0 and var orphans)
        {
            logger.LogWarning("killed {Count} container processes an earlier node agent left running", orphans);
        }

        var workerDll = options.WorkerDll ?? DefaultWorkerDll();
        var client = new KubernetesClient(configuration);
        KubeletService? kubelet = null;
        KubeletServer? kubeletServer = null;
        var stop = new CancellationTokenSource();
        try
        {
            kubeletServer = await KubeletServer.StartAsync(options.KubeletPort, () => kubelet, cancellationToken).ConfigureAwait(false);
            var registration = new NodeRegistration(client, options, kubeletServer.Port, logger);
            await registration.RegisterAsync(cancellationToken).ConfigureAwait(false);

            var informerOptions = new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(5) };
            // each controller its own rate limiter: failures are counted per key, and a pod and a Job may share one
            ControllerOptions Controller() => new() { Workers = 4, RateLimiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(5)) };
            var podInformer = new Informer<V1Pod>(client.Pods, informerOptions, logger);
            podInformer.Cache.AddIndex(JobPods.JobUidIndex, JobPods.JobUid);
            var images = new ImageResolver([.. options.Images, ImageMapping.PostTrainWorker(DotnetHost(), workerDll)], options.RunUnmappedImages, options.NodeName);
            var planner = new PodLaunchPlanner(new PodVolumes(client, claimsDirectory), new ContainerEnvironment(client), images, (ns, host, sub) => kubelet!.FindPeer(ns, host, sub));
            var kubeletEvents = new EventRecorder(client, "kubelet", options.NodeName, logger);
            kubelet = new KubeletService(new KubeletContext(client, options, planner, new PodAddressPool(options.PodCidr), kubeletEvents, podsDirectory, logger), podInformer.Cache, options.NodeName);
            var manager = new ControllerManager(logger: logger);
            manager.Add(new Controller<V1Pod>("kubelet", podInformer, kubelet, Controller(), logger));
            var informers = new List<IInformer> { podInformer };
            if (options.ControlPlane)
            {
                var jobInformer = new Informer<V1Job>(client.Jobs, informerOptions, logger);
                var claimInformer = new Informer<V1PersistentVolumeClaim>(client.PersistentVolumeClaims, informerOptions, logger);
                var trackers = new JobTrackers();
                podInformer.AddHandler(new ResourceEventHandler<V1Pod> { OnDelete = (pod, _) => trackers.PodRemoved(pod) });
                var schedulerEvents = new EventRecorder(client, "default-scheduler", options.NodeName, logger);
                var jobEvents = new EventRecorder(client, "job-controller", options.NodeName, logger);
                manager.Add(new Controller<V1Pod>("scheduler", podInformer, new PodScheduler(client, podInformer.Cache, claimInformer.Cache, options.NodeName, registration.Labels, schedulerEvents, options.ConfigRetryInterval, logger), Controller(), logger).Watches(claimInformer, claim => PendingPodsClaiming(podInformer.Cache, claim)));
                manager.Add(new Controller<V1Job>("job-controller", jobInformer, new JobController(client, jobInformer.Cache, podInformer.Cache, trackers, jobEvents, options, logger), Controller(), logger).Owns(podInformer));
                manager.Add(new Controller<V1Job>("ttl-after-finished-controller", jobInformer, new TtlAfterFinishedController(client, jobInformer.Cache, logger), Controller(), logger));
                manager.Add(new Controller<V1PersistentVolumeClaim>("persistentvolume-binder", claimInformer, new PersistentVolumeBinder(client, claimInformer.Cache, claimsDirectory), Controller(), logger));
                informers.Add(jobInformer);
                informers.Add(claimInformer);
            }

            var controllers = Task.Run(() => manager.RunAsync(stop.Token), CancellationToken.None);
            var synced = Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));
            if (await Task.WhenAny(synced, controllers).ConfigureAwait(false) == controllers)
            {
                await controllers.ConfigureAwait(false);
                throw new InvalidOperationException("the node agent's controllers stopped before their caches synced");
            }

            await synced.ConfigureAwait(false);
            kubelet.RemoveStaleFolders();
            var heartbeats = options.NodeStatusInterval is { } interval && interval > TimeSpan.Zero
                ? Task.Run(() => registration.RunHeartbeatsAsync(interval, stop.Token), CancellationToken.None)
                : Task.CompletedTask;
            logger.LogInformation("node agent {Node} ready: data {Data}, worker {Worker}", options.NodeName, data, workerDll);
            return new NodeAgent(options, data, workerDll, client, kubeletServer, kubelet, registration, stop, controllers, heartbeats, logger);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (kubelet is not null)
            {
                await kubelet.DisposeAsync().ConfigureAwait(false);
            }

            if (kubeletServer is not null)
            {
                await kubeletServer.DisposeAsync().ConfigureAwait(false);
            }

            client.Dispose();
            stop.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops the controllers, ends every pod as a graceful node shutdown does (SIGTERM, at most
    /// <see cref="NodeAgentOptions.ShutdownGracePeriod"/>, SIGKILL; reported Failed with reason Terminated), marks the
    /// Node Ready Unknown, and stops the kubelet endpoint.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_controllers, _heartbeats).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or LeadershipLostException)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "node agent {Node}: a controller had failed", NodeName);
        }

        await _kubelet.ShutdownAsync(Options.ShutdownGracePeriod, CancellationToken.None).ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _registration.MarkStoppedAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or OperationCanceledException)
            {
                _logger.LogDebug(e, "node agent {Node}: could not mark the Node stopped", NodeName);
            }
        }

        await _kubelet.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
        _stop.Dispose();
        _logger.LogInformation("node agent {Node} stopped", NodeName);
    }

    /// <summary>
    /// The worker built in this repository: the nearest folder above the agent holding Operator.sln, then
    /// <c>worker/PostTrain.Worker/bin/{Release|Debug}/net10.0/posttrain-worker.dll</c> (the agent's own configuration
    /// first).
    /// </summary>
    public static string DefaultWorkerDll()
    {
        var baseDirectory = AppContext.BaseDirectory;
        string[] configurations = baseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? ["Debug", "Release"] : ["Release", "Debug"];
        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                var candidates = configurations.Select(c => Path.Combine(dir.FullName, "worker", "PostTrain.Worker", "bin", c, "net10.0", "posttrain-worker.dll")).ToList();
                return candidates.FirstOrDefault(File.Exists) ?? candidates[0];
            }
        }

        return Path.Combine(baseDirectory, "posttrain-worker.dll");
    }

    /// <summary>The unscheduled pods that mount <paramref name="claim"/> (a new claim may make them schedulable).</summary>
    private static IEnumerable<ReconcileRequest> PendingPodsClaiming(Indexer<V1Pod> pods, V1PersistentVolumeClaim claim) =>
        pods.ByIndex(Indexer<V1Pod>.NamespaceIndex, claim.Metadata.NamespaceProperty ?? "")
            .Where(p => string.IsNullOrEmpty(p.Spec.NodeName) && (p.Spec.Volumes ?? []).Any(v => v.PersistentVolumeClaim?.ClaimName == claim.Metadata.Name))
            .Select(p => new ReconcileRequest(p.Metadata.NamespaceProperty, p.Metadata.Name!));

    /// <summary>The dotnet host to run the worker with: this process's when it is dotnet, else DOTNET_HOST_PATH, else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex NodeNamePattern();
}
