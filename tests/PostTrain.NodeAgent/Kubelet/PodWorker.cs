using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.NodeAgent.Json;
using PostTrain.NodeAgent.Processes;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// One pod on this node, from its sandbox to its end (kubelet's pod worker): allocates the pod IP, prepares volumes
/// and containers (waiting while a ConfigMap, Secret, claim or peer is missing), runs init containers one after
/// another and then the containers as processes, restarts them as restartPolicy says (OnFailure, Always) with a
/// doubling backoff, and reports status through <c>pods/NAME/status</c>. A deletion (deletionTimestamp) sends SIGTERM,
/// waits up to the grace period (a later, shorter one wins), sends SIGKILL to what is left, reports the final status
/// and deletes the pod with a grace period of 0. A node shutdown ends pods the same way but keeps them, Failed with
/// reason Terminated and a DisruptionTarget condition, as a kubelet's graceful node shutdown does.
/// </summary>
internal sealed class PodWorker : IAsyncDisposable
{
    private const int MaxTerminationMessageBytes = 4096;
    private const string Pending = "Pending";
    private const string Running = "Running";
    private const string Succeeded = "Succeeded";
    private const string Failed = "Failed";

    private readonly KubeletContext _ctx;
    private readonly AsyncSignal _wake = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<(string Type, string Status, string? Reason, string? Message, DateTimeOffset Since)> _conditions = [];
    private V1Pod _pod;
    private Task _run = Task.CompletedTask;
    private string? _lastReport;
    private long _shutdownGraceTicks = -1;
    private DateTimeOffset _startTime;
    private volatile string _phase = Pending;
    private (string Reason, string Message)? _podReason;
    private int _disposed;

    /// <summary>A worker for <paramref name="pod"/> (bound to this node, not yet running).</summary>
    public PodWorker(V1Pod pod, KubeletContext context)
    {
        _pod = pod;
        _ctx = context;
        Uid = pod.Metadata.Uid ?? throw new ArgumentException("the pod has no uid", nameof(pod));
        Namespace = pod.Metadata.NamespaceProperty ?? "default";
        Name = pod.Metadata.Name ?? throw new ArgumentException("the pod has no name", nameof(pod));
        Hostname = pod.Spec.Hostname ?? Name;
        Subdomain = pod.Spec.Subdomain;
        PodDirectory = Path.Combine(context.PodsDirectory, Uid);
        Init = (pod.Spec.InitContainers ?? []).Select(c => new ContainerRuntime(c.Name, c.Image ?? "", isInit: true)).ToList();
        Main = pod.Spec.Containers.Select(c => new ContainerRuntime(c.Name, c.Image ?? "", isInit: false)).ToList();
    }

    /// <summary>The pod's uid.</summary>
    public string Uid { get; }

    /// <summary>The pod's namespace.</summary>
    public string Namespace { get; }

    /// <summary>The pod's name.</summary>
    public string Name { get; }

    /// <summary>The pod's hostname (spec.hostname, else its name).</summary>
    public string Hostname { get; }

    /// <summary>The pod's subdomain, if any.</summary>
    public string? Subdomain { get; }

    /// <summary>The cache key of the pod.</summary>
    public string Key => ObjectKey.Of(Namespace, Name);

    /// <summary>The pod's folder.</summary>
    public string PodDirectory { get; }

    /// <summary>The pod IP, once allocated.</summary>
    public string? PodIP { get; private set; }

    /// <summary>Whether the pod has ended (Succeeded or Failed).</summary>
    public bool HasFinished => _phase is Succeeded or Failed;

    private List<ContainerRuntime> Init { get; }

    private List<ContainerRuntime> Main { get; }

    private IEnumerable<ContainerRuntime> All => Init.Concat(Main);

    private V1Pod Pod => Volatile.Read(ref _pod);

    private bool TerminationRequested => Pod.Metadata.DeletionTimestamp is not null || ShutdownGrace is not null;

    /// <summary>The grace period of a node shutdown in progress, if one is.</summary>
    private TimeSpan? ShutdownGrace => Volatile.Read(ref _shutdownGraceTicks) is >= 0 and var ticks ? TimeSpan.FromTicks(ticks) : null;

    private string RestartPolicy => Pod.Spec.RestartPolicy ?? "Always";

    /// <summary>Starts the worker.</summary>
    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Hands the worker the pod's latest state (a deletion, a shorter grace period).</summary>
    public void Update(V1Pod pod)
    {
        Volatile.Write(ref _pod, pod);
        _wake.Set();
    }

    /// <summary>Ends the pod for a node shutdown (SIGTERM, at most <paramref name="grace"/>, SIGKILL) and reports it; completes when reported.</summary>
    public Task ShutdownAsync(TimeSpan grace)
    {
        Volatile.Write(ref _shutdownGraceTicks, Math.Max(0, grace.Ticks));
        _wake.Set();
        return _terminal.Task;
    }

    /// <summary>Where <paramref name="container"/>'s current (or previous) log is; null with a reason when there is none.</summary>
    public (ContainerLogSource? Source, string? Error) FindLog(string container, bool previous)
    {
        lock (_gate)
        {
            var runtime = All.FirstOrDefault(c => c.Name == container);
            if (runtime is null)
            {
                return (null, $"container {container} is not valid for pod {Name}");
            }

            if (!runtime.EverStarted || runtime.Launch is null)
            {
                return (null, $"container \"{container}\" in pod \"{Name}\" is waiting to start: {runtime.State.Reason}");
            }

            // The latest run is RestartCount (running, ended, or waiting in back-off to run again); previous is the one before.
            if (previous)
            {
                return runtime.RestartCount > 0
                    ? (new ContainerLogSource(runtime.LogFile(runtime.RestartCount - 1), Task.CompletedTask), null)
                    : (null, $"previous terminated container \"{container}\" in pod \"{Name}\" not found");
            }

            return (new ContainerLogSource(runtime.LogFile(runtime.RestartCount), (Task?)runtime.Process?.Exited ?? Task.CompletedTask), null);
        }
    }

    /// <summary>Removes the pod's folder (once the pod is gone from the API).</summary>
    public void DeleteFiles()
    {
        try
        {
            if (Directory.Exists(PodDirectory))
            {
                Directory.Delete(PodDirectory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ctx.Logger.LogWarning(e, "pod {Pod}: could not remove {Directory}", Key, PodDirectory);
        }
    }

    /// <summary>Stops the worker, killing whatever still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var container in All)
            {
                container.Process?.KillAll();
            }
        }

        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var container in All)
        {
            container.Process?.Dispose();
        }

        _ctx.Addresses.Release(Uid);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await PrepareAsync(cancellationToken).ConfigureAwait(false) && await RunInitContainersAsync(cancellationToken).ConfigureAwait(false))
            {
                await RunContainersAsync(cancellationToken).ConfigureAwait(false);
            }

            _terminal.TrySetResult();
            await WaitForDeletionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _ctx.Logger.LogError(e, "pod {Pod}: the node agent failed running it", Key);
            await FailAfterErrorAsync(e, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _terminal.TrySetResult();
        }
    }

    private async Task<bool> PrepareAsync(CancellationToken cancellationToken)
    {
        // a hostNetwork pod shares the node's address (and its ports); every other pod gets a loopback address of its own
        PodIP = Pod.Spec.HostNetwork == true ? PodLaunchPlanner.HostIp : _ctx.Addresses.Allocate(Uid);
        _startTime = DateTimeOffset.UtcNow;
        Directory.CreateDirectory(PodDirectory);
        UpdateConditions();
        await ReportAsync(cancellationToken).ConfigureAwait(false);
        var peersDeadline = _startTime + _ctx.Options.PeerAddressTimeout;
        while (true)
        {
            var wake = _wake.Next;
            if (TerminationRequested)
            {
                await TerminateAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            try
            {
                var (init, main) = await _ctx.Planner.PlanAsync(Pod, PodDirectory, PodIP, DateTimeOffset.UtcNow >= peersDeadline, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    for (var i = 0; i < Init.Count; i++)
                    {
                        Init[i].Launch = init[i];
                    }

                    for (var i = 0; i < Main.Count; i++)
                    {
                        Main[i].Launch = main[i];
                    }
                }

                return true;
            }
            catch (PodSetupException e) when (!e.Retryable)
            {
                var now = DateTimeOffset.UtcNow;
                lock (_gate)
                {
                    foreach (var container in All)
                    {
                        container.State = ContainerState.Terminated(128, e.Reason, e.Message, null, now, null);
                    }
                }

                _ctx.Logger.LogWarning("pod {Pod} cannot run: {Reason}: {Message}", Key, e.Reason, e.Message);
                await _ctx.Events.RecordAsync(Pod, EventRecorder.Warning, "Failed", "Starting", $"{e.Reason}: {e.Message}", cancellationToken: cancellationToken).ConfigureAwait(false);
                _phase = Failed;
                await FinishAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
            catch (Exception e) when (e is PodSetupException or KubernetesApiException or HttpRequestException or IOException)
            {
                var (reason, message) = e is PodSetupException setup ? (setup.Reason, setup.Message) : ("ContainerCreating", e.Message);
                lock (_gate)
                {
                    foreach (var container in All)
                    {
                        container.State = ContainerState.Waiting(reason, message);
                    }
                }

                await ReportAsync(cancellationToken).ConfigureAwait(false);
                await WaitAsync(wake, [], DateTimeOffset.UtcNow + _ctx.Options.ConfigRetryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> RunInitContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var container in Init)
        {
            while (true)
            {
                var exit = await StartAsync(container, cancellationToken).ConfigureAwait(false);
                UpdateConditions();
                await ReportAsync(cancellationToken).ConfigureAwait(false);
                while (exit is null && !TerminationRequested && !container.Process!.Exited.IsCompleted)
                {
                    var wake = _wake.Next;
                    await WaitAsync(wake, [container.Process.Exited], null, cancellationToken).ConfigureAwait(false);
                }

                if (TerminationRequested)
                {
                    await TerminateAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                exit ??= Collect(container);
                if (exit == 0)
                {
                    break;
                }

                if (RestartPolicy == "Never")
                {
                    _phase = Failed;
                    await FinishAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                ScheduleRestart(container);
                UpdateConditions();
                await ReportAsync(cancellationToken).ConfigureAwait(false);
                while (!TerminationRequested && DateTimeOffset.UtcNow < container.RestartAt)
                {
                    var wake = _wake.Next;
                    await WaitAsync(wake, [], container.RestartAt, cancellationToken).ConfigureAwait(false);
                }

                if (TerminationRequested)
                {
                    await TerminateAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                container.RestartAt = null;
                container.RestartCount++;
            }
        }

        return true;
    }

    private async Task RunContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var container in Main)
        {
            if (await StartAsync(container, cancellationToken).ConfigureAwait(false) is { } failedToStart && ShouldRestart(failedToStart))
            {
                ScheduleRestart(container);
            }
        }

        UpdateConditions();
        await ReportAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var wake = _wake.Next;
            if (TerminationRequested)
            {
                await TerminateAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            var changed = false;
            foreach (var container in Main.Where(c => c.Process is { Exited.IsCompleted: true }))
            {
                if (ShouldRestart(Collect(container)))
                {
                    ScheduleRestart(container);
                }

                changed = true;
            }

            foreach (var container in Main.Where(c => c.RestartAt <= DateTimeOffset.UtcNow))
            {
                container.RestartAt = null;
                container.RestartCount++;
                if (await StartAsync(container, cancellationToken).ConfigureAwait(false) is { } failedToStart && ShouldRestart(failedToStart))
                {
                    ScheduleRestart(container);
                }

                changed = true;
            }

            if (Main.All(c => c.State.IsTerminated))
            {
                _phase = Main.All(c => c.State.ExitCode == 0) ? Succeeded : Failed;
                await FinishAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            if (changed)
            {
                UpdateConditions();
                await ReportAsync(cancellationToken).ConfigureAwait(false);
            }

            var nextRestart = Main.Where(c => c.RestartAt is not null).Select(c => c.RestartAt).Min();
            await WaitAsync(wake, Main.Where(c => c.Process is not null).Select(c => (Task)c.Process!.Exited), nextRestart, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a container; returns null when it runs, or the exit code of a start that failed (128).</summary>
    private async Task<int?> StartAsync(ContainerRuntime container, CancellationToken cancellationToken)
    {
        var launch = container.Launch!;
        var now = DateTimeOffset.UtcNow;
        try
        {
            Directory.CreateDirectory(Path.Combine(launch.Directory, "logs"));
            launch.Filesystem.ResetTerminationFile();
            var process = ContainerProcess.Start(launch.Argv, launch.Environment, launch.WorkingDirectory, container.LogFile(container.RestartCount), container.PidFile);
            lock (_gate)
            {
                container.Process = process;
                container.State = ContainerState.Running(now, "process://" + process.Pid.ToString(CultureInfo.InvariantCulture));
                container.EverStarted = true;
            }
        }
        catch (Exception e) when (e is Win32Exception or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            lock (_gate)
            {
                container.State = ContainerState.Terminated(128, "StartError", e.Message, null, now, null);
            }

            await _ctx.Events.RecordAsync(Pod, EventRecorder.Warning, "Failed", "Starting", $"Error: {e.Message}", cancellationToken: cancellationToken).ConfigureAwait(false);
            return 128;
        }

        _ctx.Logger.LogDebug("pod {Pod}: started container {Container}: {Command}", Key, container.Name, string.Join(' ', launch.Argv));
        await _ctx.Events.RecordAsync(Pod, EventRecorder.Normal, "Started", "Starting", $"Started container {container.Name}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Records the end of a container's process (exit code, termination message); returns the exit code.</summary>
    private int Collect(ContainerRuntime container)
    {
        var process = container.Process!;
        var exitCode = process.Exited.Result;
        process.KillLeftovers();
        TryDelete(container.PidFile);
        var message = TerminationMessage(container, exitCode);
        lock (_gate)
        {
            container.State = ContainerState.Terminated(exitCode, exitCode == 0 ? "Completed" : "Error", message, container.State.StartedAt, DateTimeOffset.UtcNow, container.State.ContainerId);
            container.Process = null;
        }

        process.Dispose();
        _ctx.Logger.LogDebug("pod {Pod}: container {Container} exited with {ExitCode}", Key, container.Name, exitCode);
        return exitCode;
    }

    private bool ShouldRestart(int exitCode) => RestartPolicy switch
    {
        "Always" => true,
        "OnFailure" => exitCode != 0,
        _ => false,
    };

    private void ScheduleRestart(ContainerRuntime container)
    {
        var options = _ctx.Options;
        var delay = TimeSpan.FromTicks((long)Math.Min(options.ContainerMaxRestartBackoff.Ticks, options.ContainerRestartBackoff.Ticks * Math.Pow(2, container.RestartCount)));
        lock (_gate)
        {
            container.LastState = container.State;
            container.State = ContainerState.Waiting("CrashLoopBackOff", $"back-off {delay.TotalSeconds:0.#}s restarting failed container={container.Name} pod={Name}_{Namespace}({Uid})");
            container.RestartAt = DateTimeOffset.UtcNow + delay;
        }
    }

    /// <summary>
    /// The termination message: the file at terminationMessagePath (at most 4096 bytes), or with
    /// FallbackToLogsOnError and a failed, silent exit the end of the log (80 lines, 2048 bytes).
    /// </summary>
    private static string TerminationMessage(ContainerRuntime container, int exitCode)
    {
        var launch = container.Launch!;
        var message = "";
        try
        {
            using var file = new FileStream(launch.Filesystem.TerminationFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[Math.Min(file.Length, MaxTerminationMessageBytes)];
            file.ReadExactly(buffer);
            message = Encoding.UTF8.GetString(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // no termination message
        }

        if (message.Length == 0 && exitCode != 0 && launch.Spec.TerminationMessagePolicy == "FallbackToLogsOnError")
        {
            message = ContainerLogs.Tail(container.LogFile(container.RestartCount), 80, 2048);
        }

        return message;
    }

    /// <summary>Ends every container for a deletion or a node shutdown, then reports the final status.</summary>
    private async Task TerminateAsync(CancellationToken cancellationToken)
    {
        var shutdown = Pod.Metadata.DeletionTimestamp is null;
        var started = DateTimeOffset.UtcNow;
        TimeSpan Grace()
        {
            var pod = Pod;
            var own = TimeSpan.FromSeconds(pod.Spec.TerminationGracePeriodSeconds ?? 30);
            if (pod.Metadata.DeletionTimestamp is null)
            {
                return ShutdownGrace is { } node && node < own ? node : own;
            }

            return TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);
        }

        var running = All.Where(c => c.Process is not null).ToList();
        foreach (var container in running)
        {
            container.Process!.Terminate();
        }

        foreach (var container in running)
        {
            await _ctx.Events.RecordAsync(Pod, EventRecorder.Normal, "Killing", "Killing", $"Stopping container {container.Name}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var container in All)
        {
            container.RestartAt = null;
        }

        while (running.Any(c => !c.Process!.Exited.IsCompleted))
        {
            var wake = _wake.Next;
            var deadline = started + Grace();
            if (DateTimeOffset.UtcNow >= deadline)
            {
                foreach (var container in running.Where(c => !c.Process!.Exited.IsCompleted))
                {
                    container.Process!.KillAll();
                }

                await Task.WhenAll(running.Select(c => c.Process!.Exited)).WaitAsync(cancellationToken).ConfigureAwait(false);
                break;
            }

            await WaitAsync(wake, running.Select(c => (Task)c.Process!.Exited), deadline, cancellationToken).ConfigureAwait(false);
        }

        foreach (var container in running)
        {
            Collect(container);
        }

        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            foreach (var container in All.Where(c => !c.State.IsTerminated))
            {
                container.State = container.LastState is { IsTerminated: true } last
                    ? last
                    : ContainerState.Terminated(137, "ContainerStatusUnknown", "The container could not be located when the pod was terminated", null, now, null);
            }
        }

        _phase = All.All(c => c.State.ExitCode == 0) ? Succeeded : Failed;
        if (shutdown)
        {
            const string message = "Pod was terminated in response to imminent node shutdown.";
            _phase = Failed;
            _podReason = ("Terminated", message);
            SetCondition("DisruptionTarget", "True", "TerminationByKubelet", message);
        }

        await FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports a final status and frees the pod's address.</summary>
    private async Task FinishAsync(CancellationToken cancellationToken)
    {
        UpdateConditions();
        await ReportAsync(cancellationToken).ConfigureAwait(false);
        _ctx.Addresses.Release(Uid);
        _terminal.TrySetResult();
    }

    /// <summary>After the pod ended: when it is deleted, completes the deletion (grace period 0).</summary>
    private async Task WaitForDeletionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var wake = _wake.Next;
            if (Pod.Metadata.DeletionTimestamp is not null)
            {
                await DeleteFromApiAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteFromApiAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _ctx.Client.Pods.DeleteAsync(Name, Namespace, new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = Uid }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
            {
                return;
            }
            catch (Exception e) when (attempt < 5 && e is KubernetesApiException or HttpRequestException or IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task FailAfterErrorAsync(Exception error, CancellationToken cancellationToken)
    {
        try
        {
            var now = DateTimeOffset.UtcNow;
            lock (_gate)
            {
                foreach (var container in All)
                {
                    container.Process?.KillAll();
                    if (!container.State.IsTerminated)
                    {
                        container.State = ContainerState.Terminated(128, "NodeAgentError", error.Message, container.State.StartedAt, now, container.State.ContainerId);
                    }
                }
            }

            _phase = Failed;
            await FinishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            _ctx.Logger.LogWarning(e, "pod {Pod}: could not report the failure", Key);
        }
    }

    private static async Task WaitAsync(Task wake, IEnumerable<Task> others, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = until is { } due ? due - DateTimeOffset.UtcNow : Timeout.InfiniteTimeSpan;
        var delay = Task.Delay(wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : wait, timer.Token);
        await Task.WhenAny([wake, delay, .. others]).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void UpdateConditions()
    {
        lock (_gate)
        {
            var terminal = HasFinished;
            if (!terminal)
            {
                _phase = Main.Any(c => c.EverStarted) ? Running : Pending;
            }

            var notInitialized = Init.Where(c => c.State.ExitCode != 0).Select(c => c.Name).ToList();
            SetCondition("PodReadyToStartContainers", terminal ? "False" : "True", null, null);
            SetCondition("Initialized", notInitialized.Count == 0 ? "True" : "False", notInitialized.Count == 0 ? null : "ContainersNotInitialized", notInitialized.Count == 0 ? null : $"containers with incomplete status: [{string.Join(' ', notInitialized)}]");
            var unready = Main.Where(c => !c.State.IsRunning).Select(c => c.Name).ToList();
            var ready = !terminal && unready.Count == 0;
            var reason = ready ? null : terminal ? "PodCompleted" : "ContainersNotReady";
            var message = ready || terminal ? null : $"containers with unready status: [{string.Join(' ', unready)}]";
            SetCondition("ContainersReady", ready ? "True" : "False", reason, message);
            SetCondition("Ready", ready ? "True" : "False", reason, message);
        }
    }

    private void SetCondition(string type, string status, string? reason, string? message)
    {
        lock (_gate)
        {
            var index = _conditions.FindIndex(c => c.Type == type);
            var since = index >= 0 && _conditions[index].Status == status ? _conditions[index].Since : DateTimeOffset.UtcNow;
            var condition = (type, status, reason, message, since);
            if (index >= 0)
            {
                _conditions[index] = condition;
            }
            else
            {
                _conditions.Add(condition);
            }
        }
    }

    private JsonObject BuildStatus()
    {
        lock (_gate)
        {
            var status = new JsonObject
            {
                ["phase"] = _phase,
                ["conditions"] = new JsonArray(_conditions.Select(c => (JsonNode?)new JsonObject
                {
                    ["type"] = c.Type,
                    ["status"] = c.Status,
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["lastProbeTime"] = null,
                    ["lastTransitionTime"] = JsonFields.Timestamp(c.Since),
                }).ToArray()),
                ["hostIP"] = PodLaunchPlanner.HostIp,
                ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = PodLaunchPlanner.HostIp }),
                ["podIP"] = PodIP,
                ["podIPs"] = PodIP is null ? null : new JsonArray(new JsonObject { ["ip"] = PodIP }),
                ["startTime"] = JsonFields.Timestamp(_startTime),
                ["containerStatuses"] = new JsonArray(Main.Select(c => (JsonNode?)c.ToJson()).ToArray()),
            };
            if (Init.Count > 0)
            {
                status["initContainerStatuses"] = new JsonArray(Init.Select(c => (JsonNode?)c.ToJson()).ToArray());
            }

            if (_podReason is { } why)
            {
                status["reason"] = why.Reason;
                status["message"] = why.Message;
            }

            return status;
        }
    }

    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        var status = BuildStatus();
        var text = status.ToJsonString();
        if (text == _lastReport)
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _ctx.Client.Pods.PatchAsync(Name, PatchType.StrategicMerge, new JsonObject { ["status"] = status }, Namespace, status: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                _lastReport = text;
                return;
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                return;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
            {
                if (attempt >= 4)
                {
                    _ctx.Logger.LogWarning(e, "pod {Pod}: could not report its status; the next change reports it again", Key);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // an orphan check at the next start reads it and finds no such process
        }
    }
}
