using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;

namespace PostTrain.NodeAgent.Tests;

/// <summary>
/// One test API server with one node agent for every test (they share a collection, so they run one after another
/// and never compete for the machine's two cores). Images named <c>busybox</c> run their commands on the host;
/// everything else is unmapped, except the worker's. Jobs replace failed pods at once and containers restart after
/// 50 ms. Pod IPs come from a random 127.X.0.0/16, so a second agent elsewhere on the machine does not collide.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The image whose commands run on the host.</summary>
    public const string HostImage = "busybox:1.36";

    private int _namespaces;

    public TestApiServer Server { get; private set; } = null!;

    public NodeAgent Agent { get; private set; } = null!;

    public KubernetesClient Client { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    private readonly TempDirectory _data = new("posttrain-node-agent-tests-");

    public string DataDirectory => _data.Path;

    public string PodCidr { get; } = string.Create(CultureInfo.InvariantCulture, $"127.{Random.Shared.Next(10, 250)}.0.0/16");

    /// <summary>A namespace of its own for one test.</summary>
    public string NewNamespace() => Server.CreateNamespace($"t{Interlocked.Increment(ref _namespaces)}");

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(500) });
        Client = new KubernetesClient(KubeClientConfig.ForServer(Server.BaseAddress, userAgent: "node-agent-tests/1.0"));
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Agent = await NodeAgent.StartAsync(new NodeAgentOptions
        {
            Server = Server.BaseAddress,
            NodeName = "node-a",
            DataDirectory = Path.Combine(DataDirectory, "node"),
            Images = [new ImageMapping { RepositorySuffix = "busybox" }],
            PodCidr = PodCidr,
            NodeLabels = new Dictionary<string, string> { ["posttrain.dev/test-node"] = "yes" },
            JobBackoff = TimeSpan.Zero,
            ContainerRestartBackoff = TimeSpan.FromMilliseconds(50),
            ConfigRetryInterval = TimeSpan.FromMilliseconds(200),
            ShutdownGracePeriod = TimeSpan.FromSeconds(5),
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

    /// <summary>Waits until pod <paramref name="name"/> satisfies <paramref name="done"/>.</summary>
    public Task<V1Pod> PodAsync(string ns, string name, Func<V1Pod, bool> done, string what, double seconds = 30) =>
        Poll.UntilAsync(async () => (await Client.Pods.TryGetAsync(name, ns))!, p => p is not null && done(p), $"pod {ns}/{name}: {what}", seconds);

    /// <summary>Waits until pod <paramref name="name"/> has ended (Succeeded or Failed).</summary>
    public Task<V1Pod> EndedPodAsync(string ns, string name, double seconds = 30) =>
        PodAsync(ns, name, p => p.Status?.Phase is "Succeeded" or "Failed", "ends", seconds);

    /// <summary>Waits until Job <paramref name="name"/> satisfies <paramref name="done"/>.</summary>
    public Task<V1Job> JobAsync(string ns, string name, Func<V1Job, bool> done, string what, double seconds = 30) =>
        Poll.UntilAsync(async () => (await Client.Jobs.TryGetAsync(name, ns))!, j => j is not null && done(j), $"job {ns}/{name}: {what}", seconds);

    /// <summary>Waits until Job <paramref name="name"/> has condition <paramref name="type"/> True.</summary>
    public Task<V1Job> JobConditionAsync(string ns, string name, string type, double seconds = 30) =>
        JobAsync(ns, name, j => Condition(j, type)?.Status == "True", $"condition {type}", seconds);

    /// <summary>A condition of a Job.</summary>
    public static V1JobCondition? Condition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>The pods of Job <paramref name="job"/> (by the job-name label the API server's defaulting adds).</summary>
    public async Task<List<V1Pod>> JobPodsAsync(string ns, string job) =>
        [.. (await Client.Pods.ListAsync(ns, new ListOptions { LabelSelector = $"batch.kubernetes.io/job-name={job}" })).Items];

    /// <summary>GET pods/NAME/log through the API server (which asks the agent's kubelet endpoint).</summary>
    public async Task<string> LogAsync(string ns, string pod, string query = "")
    {
        using var response = await Http.GetAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod}/log{query}", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET log of {ns}/{pod}{query}: {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>The pod's log so far, or null while the API server or kubelet has none to give (not started yet).</summary>
    public async Task<string?> TryLogAsync(string ns, string pod, string query = "")
    {
        using var response = await Http.GetAsync(new Uri($"api/v1/namespaces/{ns}/pods/{pod}/log{query}", UriKind.Relative));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    /// <summary>The terminated state of a pod's first container.</summary>
    public static JsonObject Terminated(V1Pod pod, int container = 0) =>
        KubeJson.ToNode(pod.Status!.ContainerStatuses![container].State)!["terminated"]!.AsObject();
}

[CollectionDefinition(Name)]
public sealed class ClusterDefinition : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
