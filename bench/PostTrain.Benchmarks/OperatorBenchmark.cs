using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;

namespace PostTrain.Benchmarks;

/// <summary>
/// The operator: rendering throughput (ConfigMap + Indexed Job + Service per job), and, against the in-process
/// test API server, the time from N SftJobs created to N batch Jobs created and N statuses written.
/// Usage: operator [--jobs N] (default 500).
/// </summary>
public sealed class OperatorBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "operator";

    /// <inheritdoc />
    public string Description => "workload rendering throughput; create-to-children-and-status time for 500 SftJobs against the test API server";

    private sealed class NoWorkers : IWorkerStatusClient
    {
        public Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken) => Task.FromResult<WorkerStatus?>(null);
    }

    private static JsonObject Spec(int nodes) => JsonNode.Parse($$"""
        {
          "model": {"source": "pvc://models/qwen"},
          "dataset": {"source": "builtin://arithmetic?digits=2"},
          "output": {"uri": "pvc://ckpt/run"},
          "resources": {"gpus": 8, "nodes": {{nodes}}, "sharedMemory": "16Gi"},
          "scheduling": {"nodeSelector": {"gpu": "h100"}, "queueName": "team-a"},
          "training": {"maxSteps": 10, "batchSize": 64}
        }
        """)!.AsObject();

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var jobs = 500;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--jobs")
            {
                jobs = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
        }

        Render();
        foreach (var workers in new[] { 1, 4 })
        {
            await EndToEndAsync(jobs, workers, cancellationToken);
        }

        return 0;
    }

    private static void Render()
    {
        var job = (SftJob)JobJson.FromNode(new JsonObject
        {
            ["apiVersion"] = JobKinds.Sft.ApiVersion,
            ["kind"] = "SftJob",
            ["metadata"] = new JsonObject { ["name"] = "bench", ["namespace"] = "ml" },
            ["spec"] = Spec(4),
        });
        var owner = new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = "SftJob", Metadata = new ObjectMeta { Name = "bench", Namespace = "ml", Uid = "u" } };
        var renderer = new WorkloadRenderer(new WorkloadOptions());
        for (var i = 0; i < 2000; i++)
        {
            renderer.Render(job, owner);
        }

        const int n = 20000;
        var timer = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            renderer.Render(job, owner);
        }

        Console.WriteLine($"render (ConfigMap with job.json + Indexed Job + headless Service, 4 nodes): {n / timer.Elapsed.TotalSeconds:F0} jobs/s ({timer.Elapsed.TotalMicroseconds / n:F1} us each)");
    }

    private static async Task EndToEndAsync(int jobs, int workers, CancellationToken cancellationToken)
    {
        await using var server = await TestApiServer.StartAsync(cancellationToken: cancellationToken);
        using var client = new KubernetesClient(KubernetesClientConfiguration.ForServer(server.BaseAddress));
        foreach (var kind in JobKinds.All)
        {
            await client.CustomResourceDefinitions.CreateAsync(
                new CustomResourceDefinition
                {
                    Metadata = new ObjectMeta { Name = $"{kind.Plural}.{kind.Group}" },
                    Spec = new CustomResourceDefinitionSpec
                    {
                        Group = kind.Group,
                        Names = new CustomResourceDefinitionNames { Plural = kind.Plural, Kind = kind.Kind },
                        Versions = [new CustomResourceDefinitionVersion { Name = kind.Version, Storage = true, Subresources = new JsonObject { ["status"] = new JsonObject() } }],
                    },
                },
                cancellationToken: cancellationToken);
        }

        const string ns = "bench";
        var sft = client.Resource<JobResource>(JobKinds.Sft);
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, jobs).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await sft.CreateAsync(new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = "SftJob", Metadata = new ObjectMeta { Name = $"job-{i}", Namespace = ns }, Spec = Spec(1 + (i % 2)) }, cancellationToken: cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));

        using var meter = new Meter(OperatorSetup.MeterName);
        var setup = OperatorSetup.Create(client, new OperatorSettings { Namespaces = [ns], Concurrency = workers }, new NoWorkers(), meter, NullLoggerFactory.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Stopwatch.StartNew();
        var run = Task.Run(() => setup.Manager.RunAsync(stop.Token), CancellationToken.None);
        var informer = setup.Scopes[0].Jobs[SftJob.KindName];
        while (informer.Cache.Count < jobs || informer.Cache.List().Any(r => r.ReadStatus().Phase != JobPhase.Pending) || setup.Scopes[0].BatchJobs.Cache.Count < jobs)
        {
            if (timer.Elapsed > TimeSpan.FromMinutes(5))
            {
                Console.WriteLine("timed out");
                break;
            }

            await Task.Delay(20, cancellationToken);
        }

        var elapsed = timer.Elapsed;
        var reconciles = setup.Controllers.Sum(c => c.ReconcileCount);
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }

        var posts = server.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs", StringComparison.Ordinal));
        Console.WriteLine($"{jobs} SftJobs -> {posts} batch Jobs + ConfigMaps + statuses, {workers} worker(s): {elapsed.TotalSeconds:F2} s ({jobs / elapsed.TotalSeconds:F0} jobs/s, {reconciles} reconciles, includes informer sync)");
    }
}
