using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PostTrain.Api.Worker;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
using PostTrain.Operator.Hosting;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Workers;
using Shouldly;
using Xunit;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// The README's "Install on a cluster" sections, every command run verbatim (image registry filled in) with the real
/// helm 4 and kubectl 1.34 against the test API server. The operator runs in-process with the arguments and
/// environment of the Deployment helm created; a stand-in kubelet runs the batch Jobs' pods to success with results
/// the test gives (no training runs here).
/// </summary>
public sealed class ReadmeClusterTests
{
    private const string ReleaseNamespace = "posttrain-system";
    private const string JobNamespace = "team-a";
    private static readonly string PrometheusOperatorCrds = Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Shipping.Tests", "Cluster", "prometheus-operator-crds.yaml");

    [Fact]
    public async Task Every_command_of_the_readme_cluster_sections_runs_verbatim()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var client = new KubernetesClient(KubeClientConfig.ForServer(cluster.Server.BaseAddress, "readme-test"));
        var kubelet = new StandInKubelet(client, cluster.Server.Store);

        // What the README takes as given: the Prometheus Operator's CRDs (the monitors are enabled) and the team's namespace.
        (await cluster.RunAsync("kubectl", "apply", "-f", PrometheusOperatorCrds)).EnsureSuccess("kubectl apply the Prometheus Operator CRDs");
        (await cluster.RunAsync("kubectl", "create", "namespace", JobNamespace)).EnsureSuccess("kubectl create namespace").StandardOutput.ShouldContain($"namespace/{JobNamespace} created");

        // Install.
        var install = ReadmeCommands.Under("Install");
        install.Select(c => c[0]).ShouldBe(["helm", "kubectl"]);
        var helmInstall = (await cluster.RunAsync(WithRegistry(install[0]))).EnsureSuccess("helm install");
        helmInstall.StandardOutput.ShouldContain("STATUS: deployed");
        await using var op = await StartOperatorAsync(cluster, client);
        (await cluster.RunAsync(install[1])).EnsureSuccess("kubectl rollout status").StandardOutput.ShouldContain("deployment \"posttrain-operator\" successfully rolled out");
        (await cluster.RunAsync("helm", "list", "-n", ReleaseNamespace)).EnsureSuccess("helm list").StandardOutput.ShouldContain("deployed");

        // First job.
        var first = ReadmeCommands.Under("First job");
        first.Count.ShouldBe(7);
        var applied = (await cluster.RunAsync(first[0])).EnsureSuccess("kubectl apply storage and loader").StandardOutput;
        applied.ShouldContain("persistentvolumeclaim/datasets created");
        applied.ShouldContain("job.batch/load-datasets created");

        var wait = cluster.RunAsync(first[1]);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await kubelet.CompleteAsync(JobNamespace, "load-datasets", new { }, "wrote gsm8k and mbpp\n", stop.Token);
        (await wait).EnsureSuccess("kubectl wait").StandardOutput.ShouldContain("job.batch/load-datasets condition met");

        var created = (await cluster.RunAsync(first[2])).EnsureSuccess("kubectl apply the jobs").StandardOutput;
        created.ShouldContain("sftjob.posttrain.dev/sft-gsm8k created");
        created.ShouldContain("rlvrjob.posttrain.dev/rlvr-gsm8k created");
        created.ShouldContain("evaljob.posttrain.dev/eval-gsm8k created");

        // The workers of the chain, one after the other as the operator starts them.
        var table = new JsonArray(
            new JsonObject { ["model"] = "base", ["accuracy"] = 0.31 },
            new JsonObject { ["model"] = "sft", ["accuracy"] = 0.42 },
            new JsonObject { ["model"] = "rlvr", ["accuracy"] = 0.55 });
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Task.Run(
            async () =>
            {
                await watching.Task.WaitAsync(stop.Token);
                await kubelet.CompleteAsync(JobNamespace, ChildNames.BatchJob("sft-gsm8k", "SftJob"), Result("SftJob", "sft-gsm8k", "pvc://checkpoints/sft-gsm8k/checkpoint-000010", new() { ["loss"] = 0.61 }), "step 10 loss 0.61\n", stop.Token);
                await kubelet.CompleteAsync(JobNamespace, ChildNames.BatchJob("rlvr-gsm8k", "RlvrJob"), Result("RlvrJob", "rlvr-gsm8k", "pvc://checkpoints/rlvr-gsm8k/checkpoint-000010", new() { ["reward_mean"] = 0.58 }), "step 10 reward 0.58\n", stop.Token);
                await kubelet.CompleteAsync(JobNamespace, ChildNames.BatchJob("eval-gsm8k", "EvalJob"), Result("EvalJob", "eval-gsm8k", null, new() { ["accuracy"] = 0.55 }, table), "accuracy 0.55\n", stop.Token);
            },
            stop.Token);

        // The live view of one kind: the printer columns, the RLVR job waiting for its dependency, then done.
        bool Done(string output)
        {
            if (output.Contains("WaitingForDependency", StringComparison.Ordinal))
            {
                watching.TrySetResult(); // the workers start once the watch has shown the wait
            }

            return output.Split('\n').Any(l => l.StartsWith("rlvr-gsm8k", StringComparison.Ordinal) && l.Contains("Succeeded", StringComparison.Ordinal));
        }

        var watched = await cluster.WatchAsync(first[4], Done, TimeSpan.FromSeconds(60));
        var header = watched.Split('\n')[0];
        foreach (var column in new[] { "NAME", "PHASE", "PROGRESS", "REWARD", "AGE" })
        {
            header.ShouldContain(column);
        }

        watched.ShouldContain("WaitingForDependency");
        await workers;

        // Every kind at once, through the posttrain category.
        var listed = (await cluster.RunAsync(first[3])).EnsureSuccess("kubectl get posttrain").StandardOutput;
        foreach (var row in new[] { "sftjob.posttrain.dev/sft-gsm8k", "rlvrjob.posttrain.dev/rlvr-gsm8k", "evaljob.posttrain.dev/eval-gsm8k" })
        {
            listed.Split('\n').ShouldContain(l => l.StartsWith(row, StringComparison.Ordinal) && l.Contains("Succeeded", StringComparison.Ordinal), row);
        }

        listed.ShouldContain("PHASE");
        listed.ShouldContain("ACCURACY");

        var described = (await cluster.RunAsync(first[5])).EnsureSuccess("kubectl describe").StandardOutput;
        described.ShouldContain("Conditions:");
        described.ShouldContain("Events:");
        described.ShouldNotContain("Events:  <none>");
        described.ShouldContain("WaitingForDependency");
        described.ShouldContain("Succeeded");

        var result = (await cluster.RunAsync(first[6])).EnsureSuccess("kubectl get -o jsonpath").StandardOutput;
        var rows = JsonNode.Parse(result)!.AsArray();
        rows.Select(r => (string?)r!["model"]).ShouldBe(["base", "sft", "rlvr"]);

        // Troubleshooting's look-ups on a job's pods and logs.
        (await cluster.RunAsync("kubectl", "-n", JobNamespace, "logs", $"job/{ChildNames.BatchJob("sft-gsm8k", "SftJob")}")).EnsureSuccess("kubectl logs job/").StandardOutput.ShouldBe("step 10 loss 0.61\n");
        (await cluster.RunAsync("kubectl", "-n", JobNamespace, "describe", "pod", "-l", "posttrain.dev/job=sft-gsm8k")).EnsureSuccess("kubectl describe pod -l").StandardOutput.ShouldMatch(@"(?m)^Status:\s+Succeeded$");

        // Upgrade and uninstall.
        var upgrade = ReadmeCommands.Under("Upgrade and uninstall");
        upgrade.Select(c => c[0]).ShouldBe(["kubectl", "helm", "helm", "kubectl"]);
        (await cluster.RunAsync(upgrade[0])).EnsureSuccess("kubectl apply --server-side the CRDs").StandardOutput.ShouldContain("customresourcedefinition.apiextensions.k8s.io/sftjobs.posttrain.dev serverside-applied");
        (await cluster.RunAsync(upgrade[1])).EnsureSuccess("helm upgrade").StandardOutput.ShouldContain("has been upgraded");
        (await cluster.RunAsync("helm", "history", "posttrain", "-n", ReleaseNamespace)).EnsureSuccess("helm history").StandardOutput.ShouldContain("Upgrade complete");
        (await cluster.RunAsync(upgrade[2])).EnsureSuccess("helm uninstall").StandardOutput.ShouldContain("release \"posttrain\" uninstalled");
        (await cluster.RunAsync("helm", "list", "-A")).EnsureSuccess("helm list").StandardOutput.ShouldNotContain("posttrain");
        (await client.CustomResourceDefinitions.TryGetAsync("sftjobs.posttrain.dev")).ShouldNotBeNull("helm uninstall keeps the CRDs");
        (await cluster.RunAsync("kubectl", "-n", JobNamespace, "get", "sftjob", "sft-gsm8k")).EnsureSuccess("jobs survive an uninstall");
        (await cluster.RunAsync(upgrade[3])).EnsureSuccess("kubectl delete the CRDs");
        var gone = (await cluster.RunAsync("kubectl", "get", "crd")).StandardOutput;
        gone.ShouldNotContain("posttrain.dev");
        (await cluster.RunAsync("kubectl", "-n", JobNamespace, "get", "sftjob")).ExitCode.ShouldNotBe(0, "the kind is no longer served");
    }

    private static string[] WithRegistry(string[] command) =>
        [.. command.Select(a => a.Replace("REGISTRY/", "registry.example.com/", StringComparison.Ordinal))];

    private static object Result(string kind, string name, string? checkpoint, Dictionary<string, double> metrics, JsonArray? table = null) => new
    {
        kind,
        name,
        phase = "Succeeded",
        metrics,
        checkpoint = checkpoint is null ? null : new { uri = checkpoint, step = 10 },
        table,
        message = "done",
    };

    /// <summary>Runs the operator in-process as the Deployment helm created would: its container's args and env, the pod's own namespace and name.</summary>
    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartOperatorAsync(TestCluster cluster, KubernetesClient client)
    {
        var deployment = (JsonObject)JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(await client.Resource<GenericObject>(new ResourceDescriptor("apps", "v1", "deployments", "Deployment", Namespaced: true)).GetAsync("posttrain-operator", ReleaseNamespace)))!;
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = (container["args"] as JsonArray ?? []).Select(a => (string)a!).ToList();
        var env = new Dictionary<string, string>();
        foreach (var e in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var field = (string?)e["valueFrom"]?["fieldRef"]?["fieldPath"];
            env[(string)e["name"]!] = field switch
            {
                "metadata.namespace" => ReleaseNamespace,
                "metadata.name" => "posttrain-operator-0",
                _ => (string?)e["value"] ?? "",
            };
        }

        env["POSTTRAIN_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        args.AddRange(["--server", cluster.Server.BaseAddress.ToString()]);
        var app = OperatorApp.Build(OperatorConfiguration.Parse(args, name => env.GetValueOrDefault(name)), new NoWorkerStatus());
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Workers the stand-in kubelet runs do not serve /status; their results come through termination messages.</summary>
    private sealed class NoWorkerStatus : IWorkerStatusClient
    {
        public Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken) => Task.FromResult<WorkerStatus?>(null);
    }
}
