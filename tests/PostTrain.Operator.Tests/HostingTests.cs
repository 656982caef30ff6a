using System.Net;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using PostTrain.Api.Status;
using PostTrain.Operator.Hosting;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>The operator process: flags and environment, leader election, /metrics, /healthz, /readyz.</summary>
public sealed class HostingTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    [Fact]
    public void Flags_win_over_environment_and_bad_input_names_the_flag()
    {
        var env = new Dictionary<string, string> { ["POSTTRAIN_NAMESPACE"] = "ml", ["POSTTRAIN_WORKER_IMAGE"] = "img:env", ["POSTTRAIN_CONCURRENCY"] = "4", ["POD_NAME"] = "op-7", ["POD_NAMESPACE"] = "ops" };
        var config = OperatorConfiguration.Parse(["--worker-image", "img:flag", "--gpu-resource-name", "amd.com/gpu", "--no-leader-elect", "--port", "9000"], n => env.GetValueOrDefault(n));
        config.Namespaces.ShouldBe(["ml"]);
        config.WorkerImage.ShouldBe("img:flag");
        config.Concurrency.ShouldBe(4);
        config.GpuResourceName.ShouldBe("amd.com/gpu");
        config.LeaderElect.ShouldBeFalse();
        config.Port.ShouldBe(9000);
        config.Identity.ShouldBe("op-7");
        config.LeaseNamespace.ShouldBe("ops");

        Should.Throw<ArgumentException>(() => OperatorConfiguration.Parse(["--concurency", "2"], _ => null)).Message.ShouldContain("Unrecognized command or argument '--concurency'");
        Should.Throw<ArgumentException>(() => OperatorConfiguration.Parse(["--concurrency", "0"], _ => null)).Message.ShouldContain("--concurrency: expected an integer >= 1, got '0'");
        Should.Throw<ArgumentException>(() => OperatorConfiguration.Parse(["--namespace"], _ => null)).Message.ShouldContain("Required argument missing for option: '--namespace'");
        Should.Throw<ArgumentException>(() => OperatorConfiguration.Parse([], n => n == "POSTTRAIN_CONCURRENCY" ? "many" : null)).Message.ShouldContain("POSTTRAIN_CONCURRENCY");
    }

    [Fact]
    public async Task The_process_takes_the_lease_reconciles_and_serves_metrics_and_health()
    {
        var ns = fixture.NewNamespace();
        var port = TestPorts.Free();
        var config = OperatorConfiguration.Parse(
            ["--server", fixture.Server.BaseAddress.ToString(), "--namespace", ns, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--lease-namespace", ns, "--identity", "replica-1"],
            _ => null);
        await using var app = OperatorApp.Build(config, new FakeWorkers());
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await fixture.Client.Resource<JobResource>(JobKinds.Sft).CreateAsync(new JobResource
        {
            ApiVersion = JobKinds.Sft.ApiVersion,
            Kind = JobKinds.Sft.Kind,
            Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = ns },
            Spec = Specs.Sft(),
        });
        await Eventually.TrueAsync(async () => await fixture.Client.Jobs.TryGetAsync("sft-sft", ns) is not null, "the operator creates the batch Job", seconds: 20);
        await Eventually.TrueAsync(async () => (await fixture.Client.Resource<JobResource>(JobKinds.Sft).GetAsync("sft", ns)).ReadStatus().Phase == JobPhase.Pending, "status is written");

        var lease = await fixture.Client.Leases.GetAsync("posttrain-operator", ns);
        lease.Spec.HolderIdentity.ShouldBe("replica-1");
        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "ready once caches synced");
        var metrics = "";
        await Eventually.TrueAsync(async () => (metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Contains("posttrain_jobs{kind=\"SftJob\",phase=\"Pending\"} 1", StringComparison.Ordinal), "the jobs gauge counts the pending job");
        metrics.ShouldContain("posttrain_reconcile_total{");
        metrics.ShouldContain("controller=\"sftjobs\"");
        metrics.ShouldContain("posttrain_reconcile_duration_seconds_bucket");
        metrics.ShouldContain("posttrain_workqueue_depth");
        metrics.ShouldContain("posttrain_jobs{kind=\"SftJob\",phase=\"Pending\"} 1");

        await app.StopAsync();
    }

    [Fact]
    public async Task A_kubeconfig_and_context_go_through_the_official_loader_and_a_missing_file_is_a_clear_error()
    {
        var ns = fixture.NewNamespace();
        using var dir = new TempDirectory("operator-kubeconfig-");
        var path = Path.Combine(dir.Path, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: other
            clusters:
            - {"{"}name: test, cluster: {"{"}server: "{fixture.Server.BaseAddress}"{"}"}{"}"}
            - {"{"}name: elsewhere, cluster: {"{"}server: "https://elsewhere.example.com"{"}"}{"}"}
            contexts:
            - {"{"}name: other, context: {"{"}cluster: elsewhere, user: u{"}"}{"}"}
            - {"{"}name: test, context: {"{"}cluster: test, user: u, namespace: {ns}{"}"}{"}"}
            users:
            - {"{"}name: u, user: {"{"}token: operator-token{"}"}{"}"}
            """);
        var port = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using (var app = OperatorApp.Build(OperatorConfiguration.Parse(["--kubeconfig", path, "--context", "test", "--port", port, "--no-leader-elect"], _ => null), new FakeWorkers()))
        {
            var client = app.Services.GetRequiredService<Kube.Client.KubernetesClient>();
            client.Server.ShouldBe(fixture.Server.BaseAddress);
            client.DefaultNamespace.ShouldBe(ns, "the context's namespace");
            client.Configuration.AccessToken.ShouldBe("operator-token");
            (await client.ConfigMaps.ListAsync(ns)).Items.ShouldBeEmpty("a request with the kubeconfig's token");
        }

        var missing = Path.Combine(dir.Path, "absent");
        Should.Throw<k8s.Exceptions.KubeConfigException>(() => OperatorApp.Build(OperatorConfiguration.Parse(["--kubeconfig", missing, "--port", port], _ => null), new FakeWorkers()))
            .Message.ShouldBe($"kubeconfig file {missing} does not exist");
    }

    [Fact]
    public async Task Two_replicas_one_leader_and_the_other_takes_over_when_it_stops()
    {
        var ns = fixture.NewNamespace();
        OperatorConfiguration Replica(string identity) => OperatorConfiguration.Parse(
            ["--server", fixture.Server.BaseAddress.ToString(), "--namespace", ns, "--port", TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture), "--lease-namespace", ns, "--identity", identity],
            _ => null);
        var first = OperatorApp.Build(Replica("replica-1"), new FakeWorkers());
        await first.StartAsync();
        await Eventually.TrueAsync(async () => (await fixture.Client.Leases.TryGetAsync("posttrain-operator", ns))?.Spec.HolderIdentity == "replica-1", "the first replica leads", seconds: 20);
        await using var second = OperatorApp.Build(Replica("replica-2"), new FakeWorkers());
        await second.StartAsync();

        await CreateSftAsync(ns, "one");
        await Eventually.TrueAsync(async () => await fixture.Client.Jobs.TryGetAsync("one-sft", ns) is not null, "the leader reconciles", seconds: 20);

        // No sleep: the standby's informer has queued "one" (and the children the leader made), and its workers never
        // took it: a standby that reconciled would have emptied its queue.
        var standby = second.Services.GetRequiredService<PostTrain.Operator.Controllers.OperatorSetup>().Controllers.Single(c => c.Name == "sftjobs");
        await Eventually.TrueAsync(() => Task.FromResult(standby.Queue.Count >= 1 && standby.ReconcileCount == 0), "the standby has \"one\" queued and has reconciled nothing");
        fixture.Server.Requests.Count(r => r.Method == "POST" && r.Path == $"/apis/batch/v1/namespaces/{ns}/jobs").ShouldBe(1, "only the leader creates children");
        (await fixture.Client.Leases.GetAsync("posttrain-operator", ns)).Spec.HolderIdentity.ShouldBe("replica-1");

        await first.StopAsync();
        await first.DisposeAsync();
        await Eventually.TrueAsync(async () => (await fixture.Client.Leases.GetAsync("posttrain-operator", ns)).Spec.HolderIdentity == "replica-2", "the second replica takes over", seconds: 20);
        await CreateSftAsync(ns, "two");
        await Eventually.TrueAsync(async () => await fixture.Client.Jobs.TryGetAsync("two-sft", ns) is not null, "the new leader reconciles", seconds: 20);
        (await fixture.Client.Jobs.ListAsync(ns)).Items.Count.ShouldBe(2);
        await second.StopAsync();
    }

    private Task CreateSftAsync(string ns, string name) =>
        fixture.Client.Resource<JobResource>(JobKinds.Sft).CreateAsync(new JobResource
        {
            ApiVersion = JobKinds.Sft.ApiVersion,
            Kind = JobKinds.Sft.Kind,
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = Specs.Sft(),
        });
}
