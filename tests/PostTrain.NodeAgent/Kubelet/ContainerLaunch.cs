using k8s.Models;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>Everything needed to start one container as a host process.</summary>
/// <param name="Spec">The container.</param>
/// <param name="Argv">The host command line.</param>
/// <param name="Environment">The variables added to the host's environment (the pod's win).</param>
/// <param name="WorkingDirectory">The host working directory.</param>
/// <param name="Filesystem">The container's root of symlinks and its termination message file.</param>
/// <param name="Directory">The container's folder (logs, pid file, root).</param>
internal sealed record ContainerLaunch(
    V1Container Spec,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    string WorkingDirectory,
    ContainerFilesystem Filesystem,
    string Directory);
