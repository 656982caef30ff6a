using Shouldly;
using Xunit;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// What kubectl 1.34 users do beyond the README, against the test API server: server-side dry runs and diff that
/// change nothing, apply of an edited Deployment that keeps its list elements (strategic merge by merge key),
/// short names, explain from the CRDs' schemas, and events recorded through events.k8s.io read by kubectl events.
/// </summary>
public sealed class KubectlSemanticsTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync();
        (await _cluster.RunAsync("kubectl", "apply", "-f", Path.Combine(TestPaths.RepoRoot, "crds"))).EnsureSuccess("kubectl apply -f crds/");
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Server_dry_runs_and_diff_change_nothing()
    {
        var v1 = Write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {mode: a}\n");
        (await _cluster.RunAsync("kubectl", "apply", "--dry-run=server", "-f", v1)).EnsureSuccess("dry-run apply").StandardOutput.ShouldContain("configmap/settings created (server dry run)");
        (await _cluster.RunAsync("kubectl", "get", "configmap", "settings", "-n", "default")).ExitCode.ShouldNotBe(0, "a dry-run create stores nothing");

        (await _cluster.RunAsync("kubectl", "apply", "-f", v1)).EnsureSuccess("apply");
        var v2 = Write("cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {mode: b}\n");
        var diff = await _cluster.RunAsync("kubectl", "diff", "-f", v2);
        diff.ExitCode.ShouldBe(1, "kubectl diff exits 1 when there are differences");
        diff.StandardOutput.ShouldContain("-  mode: a");
        diff.StandardOutput.ShouldContain("+  mode: b");
        (await _cluster.RunAsync("kubectl", "delete", "--dry-run=server", "configmap", "settings", "-n", "default")).EnsureSuccess("dry-run delete");
        (await Get("configmap", "settings", "{.data.mode}")).ShouldBe("a", "neither diff nor a dry-run delete changed it");
    }

    [Fact]
    public async Task Applying_an_edited_deployment_merges_containers_env_and_ports_by_key()
    {
        var first = Write("web.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: app
                    image: app:1
                    env: [{name: MODE, value: serve}, {name: LEVEL, value: info}]
                    ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: metrics}]
                  - name: proxy
                    image: proxy:1
            """);
        (await _cluster.RunAsync("kubectl", "apply", "-f", first)).EnsureSuccess("apply");
        // Someone else adds an env var the manifest does not know; the next apply must keep it.
        (await _cluster.RunAsync("kubectl", "-n", "default", "set", "env", "deployment/web", "-c", "app", "EXTRA=1")).EnsureSuccess("kubectl set env");
        var edited = Write("web2.yaml", File.ReadAllText(first).Replace("app:1", "app:2", StringComparison.Ordinal).Replace(", {containerPort: 9090, name: metrics}", "", StringComparison.Ordinal));
        (await _cluster.RunAsync("kubectl", "apply", "-f", edited)).EnsureSuccess("apply edited").StandardOutput.ShouldContain("deployment.apps/web configured");

        (await Get("deployment", "web", "{.spec.template.spec.containers[*].name}")).ShouldBe("app proxy");
        (await Get("deployment", "web", "{.spec.template.spec.containers[0].image}")).ShouldBe("app:2");
        (await Get("deployment", "web", "{.spec.template.spec.containers[0].env[*].name}")).ShouldBe("MODE LEVEL EXTRA");
        (await Get("deployment", "web", "{.spec.template.spec.containers[0].ports[*].name}")).ShouldBe("http");
        (await _cluster.RunAsync("kubectl", "-n", "default", "rollout", "status", "deployment/web")).EnsureSuccess("rollout status");
    }

    [Fact]
    public async Task Short_names_explain_and_events_work_as_on_a_cluster()
    {
        var job = Write("sft.yaml", "apiVersion: posttrain.dev/v1alpha1\nkind: SftJob\nmetadata: {name: tiny, namespace: default}\nspec:\n  model: {source: builtin://tiny}\n  dataset: {source: builtin://arithmetic}\n");
        (await _cluster.RunAsync("kubectl", "apply", "-f", job)).EnsureSuccess("apply");
        (await _cluster.RunAsync("kubectl", "-n", "default", "get", "sft")).EnsureSuccess("get sft").StandardOutput.ShouldContain("tiny");
        (await _cluster.RunAsync("kubectl", "-n", "default", "get", "posttrain")).EnsureSuccess("get posttrain").StandardOutput.ShouldContain("sftjob.posttrain.dev/tiny");

        var explained = (await _cluster.RunAsync("kubectl", "explain", "sftjob.spec.training.precision")).EnsureSuccess("explain").StandardOutput;
        explained.ShouldContain("fp16 is not offered");

        // An event the operator's recorder would write (events.k8s.io/v1) shows in kubectl events and describe.
        var uid = await Get("sftjob", "tiny", "{.metadata.uid}");
        var evt = Write("event.yaml", $"apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {{name: tiny.1, namespace: default}}\neventTime: \"2026-12-06T00:00:00.000000Z\"\nreportingController: posttrain.dev/operator\nreportingInstance: op-0\naction: Reconcile\nreason: Scheduled\nnote: workers created\ntype: Normal\nregarding: {{apiVersion: posttrain.dev/v1alpha1, kind: SftJob, name: tiny, namespace: default, uid: {uid}}}\n");
        (await _cluster.RunAsync("kubectl", "create", "-f", evt)).EnsureSuccess("create event");
        (await _cluster.RunAsync("kubectl", "-n", "default", "events", "--for", "sftjob/tiny")).EnsureSuccess("kubectl events").StandardOutput.ShouldContain("workers created");
        var described = (await _cluster.RunAsync("kubectl", "-n", "default", "describe", "sftjob", "tiny")).EnsureSuccess("describe").StandardOutput;
        described.ShouldContain("Scheduled");
        described.ShouldContain("workers created");
    }

    private async Task<string> Get(string kind, string name, string jsonPath) =>
        (await _cluster.RunAsync("kubectl", "-n", "default", "get", kind, name, "-o", $"jsonpath={jsonPath}")).EnsureSuccess($"get {kind}/{name}").StandardOutput;

    private static string Write(string name, string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("posttrain-kubectl-").FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
