using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.NodeAgent.Processes;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// One container of a running pod: its launch plan, its current process, state and restarts, and one log file per
/// run (<c>logs/RESTART.log</c>). The pod worker changes it; the log endpoint reads it under the worker's lock.
/// </summary>
internal sealed class ContainerRuntime(string name, string image, bool isInit)
{
    /// <summary>The container's name.</summary>
    public string Name { get; } = name;

    /// <summary>The image named in the spec.</summary>
    public string Image { get; } = image;

    /// <summary>Whether this is an init container.</summary>
    public bool IsInit { get; } = isInit;

    /// <summary>How to start it (null until the pod is prepared).</summary>
    public ContainerLaunch? Launch { get; set; }

    /// <summary>The current process, while it runs (and until its exit is collected).</summary>
    public ContainerProcess? Process { get; set; }

    /// <summary>Restarts so far.</summary>
    public int RestartCount { get; set; }

    /// <summary>The current state.</summary>
    public ContainerState State { get; set; } = ContainerState.Waiting("ContainerCreating");

    /// <summary>The state of the previous run, if it restarted.</summary>
    public ContainerState? LastState { get; set; }

    /// <summary>When a restart is due (CrashLoopBackOff), if one is.</summary>
    public DateTimeOffset? RestartAt { get; set; }

    /// <summary>Whether it was ever started.</summary>
    public bool EverStarted { get; set; }

    /// <summary>The log file of run <paramref name="restart"/>.</summary>
    public string LogFile(int restart) => Path.Combine(Launch?.Directory ?? "", "logs", restart.ToString(CultureInfo.InvariantCulture) + ".log");

    /// <summary>The pid file of the current run.</summary>
    public string PidFile => Path.Combine(Launch?.Directory ?? "", OrphanProcesses.PidFileName);

    /// <summary>The containerStatuses entry.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["state"] = State.ToJson(),
        ["lastState"] = LastState?.ToJson() ?? new JsonObject(),
        ["ready"] = State.IsRunning && !IsInit,
        ["started"] = State.IsRunning,
        ["restartCount"] = RestartCount,
        ["image"] = Image,
        ["imageID"] = "",
        ["containerID"] = State.ContainerId ?? LastState?.ContainerId,
    };
}
