using System.Text.Json.Nodes;
using PostTrain.Api.Worker;
using PostTrain.Kube.Models;
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
    public static WorkerResult? FromPod(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var worker = pod.Status?.ContainerStatuses?.Find(c => c.Name == ChildNames.WorkerContainer);
        return WorkerJson.TryReadResult(Message(worker?.State) ?? Message(worker?.LastState));

        static string? Message(JsonObject? state) =>
            state?["terminated"]?["message"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
    }
}
