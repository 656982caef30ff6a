using k8s.Models;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;

namespace PostTrain.Operator.Workers;

/// <summary>Reads the result a worker wrote to its termination message from the pod's container status.</summary>
public static class WorkerResults
{
    /// <summary>
    /// The worker's result from the pod's terminated <c>worker</c> container (or its last terminated state), as
    /// <see cref="WorkerJson.TryReadResult"/> reads it; null when the container has not terminated or left no result.
    /// </summary>
    /// <param name="pod">A worker pod.</param>
    /// <returns>The result, or null.</returns>
    public static WorkerResult? FromPod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var worker = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == ChildNames.WorkerContainer);
        return WorkerJson.TryReadResult(worker?.State?.Terminated?.Message ?? worker?.LastState?.Terminated?.Message);
    }
}
