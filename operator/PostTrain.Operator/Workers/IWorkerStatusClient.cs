using PostTrain.Api.Worker;

namespace PostTrain.Operator.Workers;

/// <summary>Reads a running worker's /status. Injectable so tests can fake workers.</summary>
public interface IWorkerStatusClient
{
    /// <summary>The worker's status, or null when it cannot be reached or answers nonsense.</summary>
    /// <param name="podIp">The pod's IP.</param>
    /// <param name="port">The worker's port.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken);
}
