using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Hosting;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;
using BatchJobStatus = k8s.Models.V1JobStatus;

namespace PostTrain.Shipping.Tests.Rbac;

/// <summary>What the operator sent to the API server during <see cref="OperatorScenario.RunAsync"/>, and its /metrics at the end.</summary>
public sealed record OperatorScenarioResult(IReadOnlyList<ApiRequestAttributes> Requests, string Metrics);

/// <summary>
/// Runs the real operator process wiring (<see cref="OperatorApp"/>, leader election on) against the in-process test
/// API server through a job's whole life, and records every request the operator sends (and scrapes its /metrics while the job runs): the data the RBAC tests
/// compare with the chart's Roles. The test plays the user, the Job controller and the kubelet (with another user
/// agent, so its requests are not counted). Steps: a two-node SftJob created suspended (ConfigMap, headless Service,
/// batch Job); one child, the ConfigMap, already exists without the operator's label, as after a restart with a
/// lagging cache (create, then get on AlreadyExists); the user unsuspends it (batch Job get + update); a worker pod
/// runs (status writes, events) and fails, the job is Pending again (the same event twice: a series patch), a second pod
/// runs and exits with its result and the Job completes (Succeeded);
/// ttlSecondsAfterFinished 0 deletes the job; the lease is renewed and released on stop.
/// </summary>
public static class OperatorScenario
{
    private static readonly string BatchJob = ChildNames.BatchJob("sft", JobKinds.Sft.Kind);

    /// <summary>The user agent of the test's own client.</summary>
    public const string DriverAgent = "posttrain-shipping-tests/1.0";

    /// <summary>Runs the scenario in <paramref name="jobNamespace"/>; the operator watches <paramref name="watchNamespaces"/> (empty: all).</summary>
    public static async Task<OperatorScenarioResult> RunAsync(string releaseNamespace, string jobNamespace, IReadOnlyList<string> watchNamespaces)
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var client = new KubernetesClient(KubeClientConfig.ForServer(server.BaseAddress, userAgent: DriverAgent, requestTimeout: TimeSpan.FromSeconds(10)));
        foreach (var ns in new[] { releaseNamespace, jobNamespace }.Distinct().Except(ObjectStore.InitialNamespaces))
        {
            server.CreateNamespace(ns);
        }

        RegisterCrds(server);

        var port = FreePort();
        var args = new List<string> { "--server", server.BaseAddress.ToString(), "--port", port.ToString(CultureInfo.InvariantCulture), "--lease-namespace", releaseNamespace, "--identity", "operator-0" };
        if (watchNamespaces.Count > 0)
        {
            args.AddRange(["--namespace", string.Join(',', watchNamespaces)]);
        }

        var config = OperatorConfiguration.Parse(args, _ => null);
        await using var app = OperatorApp.Build(config, new NoWorkerStatus());
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var metrics = "";
        try
        {
            // The scrape is taken while the job runs, so the jobs-by-phase gauge has a series.
            await DriveAsync(client, jobNamespace, async () => metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            await Eventually.TrueAsync(
                () => Task.FromResult(server.Requests.Count(r => r.Method == "PUT" && r.Path.Contains("/leases/", StringComparison.Ordinal) && r.UserAgent != DriverAgent) >= 1),
                "the operator renews its lease",
                seconds: 10);
        }
        finally
        {
            await app.StopAsync();
        }

        var requests = server.Requests
            .Where(r => r.UserAgent != DriverAgent)
            .Select(ApiRequestAttributes.From)
            .OfType<ApiRequestAttributes>()
            .ToList();
        return new OperatorScenarioResult(requests, metrics);
    }

    private static async Task DriveAsync(KubernetesClient client, string ns, Func<Task> whileRunning)
    {
        var jobs = client.Resource<JobResource>(JobKinds.Sft);
        await client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = ChildNames.ConfigMap("sft", JobKinds.Sft.Kind), NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["job.json"] = "{}" } });
        var spec = JsonNode.Parse("""
            {
              "model": {"source": "builtin://tiny"},
              "dataset": {"source": "builtin://arithmetic"},
              "resources": {"gpus": 1, "nodes": 2},
              "training": {"maxSteps": 10, "batchSize": 4},
              "suspend": true,
              "ttlSecondsAfterFinished": 0
            }
            """)!.AsObject();
        await jobs.CreateAsync(new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = JobKinds.Sft.Kind, Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = ns }, Spec = spec });
        await Eventually.TrueAsync(async () => (await client.Jobs.TryGetAsync(BatchJob, ns))?.Spec.Suspend == true, "the operator creates the suspended batch Job");
        (await client.Services.TryGetAsync(ChildNames.HeadlessService("sft", JobKinds.Sft.Kind), ns)).ShouldNotBeNull("a two-node job gets its headless Service");

        await jobs.UpdateAsync("sft", j => j.Spec!["suspend"] = false, ns);
        await Eventually.TrueAsync(async () => (await client.Jobs.GetAsync(BatchJob, ns)).Spec.Suspend == false, "the operator unsuspends the batch Job");
        await Eventually.TrueAsync(async () => (await jobs.GetAsync("sft", ns)).ReadStatus().Phase == JobPhase.Pending, "the job waits for its pod");

        // The Job controller and the kubelet: a first worker pod runs and fails (the job goes back to Pending, the
        // same event again: the recorder patches it into a series), then a second pod runs.
        await StartPodAsync(client, ns, "sft-0", "10.0.0.1");
        await client.Jobs.UpdateAsync(BatchJob, j => j.Status = new BatchJobStatus { Active = 1, StartTime = DateTimeOffset.UtcNow.UtcDateTime }, ns, status: true);
        await Eventually.TrueAsync(async () => (await jobs.GetAsync("sft", ns)).ReadStatus().Phase == JobPhase.Running, "the job is Running");
        await whileRunning();
        await TerminateAsync(client, ns, "sft-0", 1, JsonSerializer.Serialize(new { kind = "SftJob", name = "sft", phase = "Failed", message = "CUDA error" }));
        await client.Jobs.UpdateAsync(BatchJob, j => j.Status = new BatchJobStatus { Active = 0, Failed = 1, StartTime = j.Status?.StartTime }, ns, status: true);
        await Eventually.TrueAsync(async () => (await jobs.GetAsync("sft", ns)).ReadStatus().Phase == JobPhase.Pending, "the job waits for a new pod");
        await StartPodAsync(client, ns, "sft-1", "10.0.0.2");
        await client.Jobs.UpdateAsync(BatchJob, j => j.Status = new BatchJobStatus { Active = 1, Failed = 1, StartTime = j.Status?.StartTime }, ns, status: true);
        await Eventually.TrueAsync(async () => (await jobs.GetAsync("sft", ns)).ReadStatus().Phase == JobPhase.Running, "the job runs again");

        // The worker exits with its result; the Job completes.
        await TerminateAsync(client, ns, "sft-1", 0, JsonSerializer.Serialize(new { kind = "SftJob", name = "sft", phase = "Succeeded", metrics = new { loss = 0.5 }, checkpoint = new { uri = "pvc://ckpt/sft/step-10", step = 10 }, message = "done" }));
        await client.Jobs.UpdateAsync(BatchJob, j => j.Status = new BatchJobStatus
        {
            Active = 0,
            Succeeded = 2,
            Failed = 1,
            StartTime = j.Status?.StartTime,
            CompletionTime = DateTimeOffset.UtcNow.UtcDateTime,
            Conditions = [new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = DateTimeOffset.UtcNow.UtcDateTime }],
        }, ns, status: true);

        // Succeeded, then deleted at once by ttlSecondsAfterFinished: 0.
        await Eventually.TrueAsync(async () => await jobs.TryGetAsync("sft", ns) is null, "ttlSecondsAfterFinished deletes the finished job", seconds: 15);
    }

    private static async Task StartPodAsync(KubernetesClient client, string ns, string name, string ip)
    {
        await client.Pods.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>() { [ChildNames.KindLabel] = "SftJob", [ChildNames.JobLabel] = "sft" },
                Annotations = new Dictionary<string, string>() { [ChildNames.CompletionIndexAnnotation] = "0" },
            },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = ChildNames.WorkerContainer, Image = "worker:test" }] },
        });
        await client.Pods.UpdateAsync(name, p => p.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            ContainerStatuses = [new V1ContainerStatus { Name = ChildNames.WorkerContainer, State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["running"] = new JsonObject() }) }],
        }, ns, status: true);
    }

    private static Task<V1Pod> TerminateAsync(KubernetesClient client, string ns, string name, int exitCode, string result) =>
        client.Pods.UpdateAsync(name, p =>
        {
            p.Status!.Phase = exitCode == 0 ? "Succeeded" : "Failed";
            p.Status.ContainerStatuses = [new V1ContainerStatus { Name = ChildNames.WorkerContainer, State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = exitCode == 0 ? "Completed" : "Error", ["message"] = result } }) }];
        }, ns, status: true);

    /// <summary>The real CRDs (schemas and rules included), as helm's crds/ folder installs them.</summary>
    private static void RegisterCrds(TestApiServer server)
    {
        server.Registry.TryGet("apiextensions.k8s.io", "v1", "customresourcedefinitions", out var crds);
        foreach (var kind in PostTrain.Api.CrdGenerator.KindTypes)
        {
            server.Store.Create(crds, null, PostTrain.Api.CrdGenerator.Generate(kind, PostTrain.Api.Schema.XmlDocumentation.Empty), fieldManager: null);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Workers that never answer /status (the progress poll is not an API request).</summary>
    private sealed class NoWorkerStatus : IWorkerStatusClient
    {
        public Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken) => Task.FromResult<WorkerStatus?>(null);
    }
}
