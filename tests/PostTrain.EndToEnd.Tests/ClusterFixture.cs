using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Status;
using PostTrain.Api.Yaml;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Resources;
using JobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.EndToEnd.Tests;

/// <summary>
/// The test cluster with a real node: the test API server with PostTrain's CRDs and one node agent that runs the
/// worker image as the built <c>posttrain-worker</c>. Each test starts its own operator (<see cref="StartOperatorAsync"/>)
/// on a namespace of its own. The tests share one collection, so they run one after another and never compete for the
/// machine's two cores. Jobs replace failed pods at once; pod IPs come from a random 127.X.0.0/16.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The worker image the operators render; the agent maps any image ending in posttrain-worker.</summary>
    public const string WorkerImage = "ghcr.io/posttrain/posttrain-worker:e2e";

    private int _namespaces;

    public TestApiServer Server { get; private set; } = null!;

    public PostTrain.NodeAgent.NodeAgent Agent { get; private set; } = null!;

    public KubernetesClient Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    private readonly TempDirectory _data = new("posttrain-e2e-");

    public string DataDirectory => _data.Path;

    /// <summary>A namespace of its own for one test.</summary>
    public string NewNamespace() => Server.CreateNamespace($"e{Interlocked.Increment(ref _namespaces)}");

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500) });
        Server.Registry.TryGet("apiextensions.k8s.io", "v1", "customresourcedefinitions", out var crds);
        foreach (var kind in PostTrain.Api.CrdGenerator.KindTypes)
        {
            Server.Store.Create(crds, null, PostTrain.Api.CrdGenerator.Generate(kind, PostTrain.Api.Schema.XmlDocumentation.Empty), fieldManager: null);
        }

        Client = new KubernetesClient(KubeClientConfig.ForServer(Server.BaseAddress, userAgent: "e2e-tests/1.0"));
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Agent = await PostTrain.NodeAgent.NodeAgent.StartAsync(new PostTrain.NodeAgent.NodeAgentOptions
        {
            Server = Server.BaseAddress,
            NodeName = "e2e-node",
            DataDirectory = Path.Combine(DataDirectory, "node"),
            PodCidr = string.Create(CultureInfo.InvariantCulture, $"127.{Random.Shared.Next(10, 250)}.0.0/16"),
            JobBackoff = TimeSpan.Zero,
            ConfigRetryInterval = TimeSpan.FromMilliseconds(200),
            ShutdownGracePeriod = TimeSpan.FromSeconds(10),
        });
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        Http.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
        _data.Dispose();
    }

    /// <summary>Starts an operator, as its process does, watching <paramref name="ns"/> only.</summary>
    public Task<RunningOperator> StartOperatorAsync(string ns) => RunningOperator.StartAsync(Server.BaseAddress, ns, WorkerImage);

    /// <summary>Creates a PersistentVolumeClaim (the agent binds it to a host folder).</summary>
    public Task CreateClaimAsync(string ns, string name) => Client.PersistentVolumeClaims.CreateAsync(new V1PersistentVolumeClaim
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteMany"], Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } } },
    });

    /// <summary>Creates every document of a YAML manifest (PostTrain kinds) in <paramref name="ns"/>, as kubectl create does.</summary>
    public async Task ApplyAsync(string ns, string yaml)
    {
        foreach (var document in YamlJsonReader.ReadAll(yaml))
        {
            var root = document.Root!.AsObject();
            var kind = JobKinds.ByKind((string)root["kind"]!) ?? throw new ArgumentException($"not a PostTrain kind: {root["kind"]}");
            await Client.Resource<JobResource>(kind).CreateAsync(new JobResource
            {
                ApiVersion = kind.ApiVersion,
                Kind = kind.Kind,
                Metadata = new V1ObjectMeta { Name = (string)root["metadata"]!["name"]!, NamespaceProperty = ns },
                Spec = root["spec"]!.DeepClone().AsObject(),
            });
        }
    }

    /// <summary>The custom resource's status.</summary>
    public async Task<JobStatus> StatusAsync(ResourceDescriptor kind, string ns, string name) =>
        (await Client.Resource<JobResource>(kind).GetAsync(name, ns)).ReadStatus();

    /// <summary>Waits until the job reaches <paramref name="phase"/>; a job that ends in another phase fails at once.</summary>
    public async Task<JobStatus> WaitForPhaseAsync(ResourceDescriptor kind, string ns, string name, JobPhase phase, double seconds = 180)
    {
        var status = await Poll.UntilAsync(
            () => StatusAsync(kind, ns, name),
            s => s.Phase == phase || s.Phase is JobPhase.Failed || (s.Phase is JobPhase.Succeeded && phase != JobPhase.Succeeded),
            $"{kind.Kind} {ns}/{name} reaches {phase}",
            seconds);
        if (status.Phase != phase)
        {
            throw new InvalidOperationException($"{kind.Kind} {ns}/{name} ended {status.Phase}, not {phase}: {JsonSerializer.Serialize(status)}\n{await LogsAsync(ns)}");
        }

        return status;
    }

    /// <summary>Waits until batch Job <paramref name="name"/> satisfies <paramref name="done"/>.</summary>
    public Task<V1Job> BatchJobAsync(string ns, string name, Func<V1Job, bool> done, string what, double seconds = 60) =>
        Poll.UntilAsync(async () => (await Client.Jobs.TryGetAsync(name, ns))!, j => j is not null && done(j), $"job {ns}/{name}: {what}", seconds);

    /// <summary>The pods of batch Job <paramref name="job"/>.</summary>
    public async Task<List<V1Pod>> JobPodsAsync(string ns, string job) =>
        [.. (await Client.Pods.ListAsync(ns, new ListOptions { LabelSelector = $"batch.kubernetes.io/job-name={job}" })).Items];

    /// <summary>GET pods/NAME/log through the API server (which asks the agent's kubelet endpoint); null when it has none.</summary>
    public async Task<string?> TryLogAsync(string ns, string pod)
    {
        using var response = await Http.GetAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod}/log", UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    /// <summary>Every pod's log in the namespace, for failure messages.</summary>
    public async Task<string> LogsAsync(string ns)
    {
        var pods = (await Client.Pods.ListAsync(ns)).Items;
        var logs = await Task.WhenAll(pods.Select(async p => $"--- {p.Metadata.Name} ({p.Status?.Phase})\n{await TryLogAsync(ns, p.Metadata.Name!)}"));
        return string.Join("\n", logs);
    }

    /// <summary>The host folder behind claim <paramref name="claim"/>.</summary>
    public string ClaimDirectory(string ns, string claim) => Agent.ClaimDirectory(ns, claim);

    /// <summary>A JSON value's canonical text, for exact comparisons of tables and metrics.</summary>
    public static string Canonical(object? value) => JsonSerializer.Serialize(value);

    /// <summary>The value of a JSON path in a node, or null.</summary>
    public static JsonNode? At(JsonNode? node, params string[] path) => path.Aggregate(node, (n, key) => n?[key]);
}

[CollectionDefinition(Name)]
public sealed class ClusterDefinition : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
