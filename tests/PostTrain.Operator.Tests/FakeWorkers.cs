using System.Collections.Concurrent;
using PostTrain.Api.Worker;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Tests;

/// <summary>Worker /status answers by pod IP, set by the test.</summary>
public sealed class FakeWorkers : IWorkerStatusClient
{
    public ConcurrentDictionary<string, WorkerStatus> ByIp { get; } = new();

    public Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken) =>
        Task.FromResult(ByIp.TryGetValue(podIp, out var status) ? status : null);
}
