namespace PostTrain.NodeAgent.Kubelet;

/// <summary>Where a container's log is, and when the run writing it ends (completed when it is not running).</summary>
/// <param name="Path">The log file.</param>
/// <param name="Finished">Completes when the process writing it has exited.</param>
internal sealed record ContainerLogSource(string Path, Task Finished);
