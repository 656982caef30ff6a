using System.Diagnostics;
using System.Text.Json.Nodes;
using PostTrain.Api.Yaml;

namespace PostTrain.EndToEnd.Tests;

/// <summary>
/// <c>make cluster-demo</c> (scripts/cluster-demo.sh), on a two-job manifest that trains in seconds: it starts the test API
/// server, the node agent and the operator, installs the chart with helm, applies with kubectl, shows progress, prints
/// the accuracy table and stops all it started. And the demo's cluster manifest holds the local demo's jobs.
/// </summary>
[Collection(ClusterDefinition.Name)]
public sealed class ClusterDemoTests : IDisposable
{
    private const string Quick = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: posttrain-runs}
        spec:
          accessModes: [ReadWriteMany]
          resources: {requests: {storage: 1Gi}}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: quick-sft}
        spec:
          seed: 5
          resources: {gpus: 0}
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=64&maxOperand=3&maxValue=9", format: gsm8k}
          output: {uri: pvc://posttrain-runs/quick-sft, saveEverySteps: 20, keep: 1}
          training: {maxSteps: 20, batchSize: 16, microBatchSize: 16, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 10, precision: fp32}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: EvalJob
        metadata: {name: quick-eval}
        spec:
          seed: 5
          resources: {gpus: 0}
          models:
          - name: sft
            fromJob: {kind: SftJob, name: quick-sft}
          dataset: {source: "builtin://arithmetic?split=test&count=12&maxOperand=3&maxValue=9", format: gsm8k}
          maxNewTokens: 16
          batchSize: 12
        """;

    private readonly TempDirectory _dir = new("posttrain-cluster-demo-");

    [Fact]
    public async Task Make_cluster_demo_runs_the_jobs_through_helm_kubectl_the_operator_and_the_node_agent_and_stops_them_all()
    {
        var manifest = Path.Combine(_dir.Path, "quick.yaml");
        File.WriteAllText(manifest, Quick);
        var work = Path.Combine(_dir.Path, "work");
        var start = new ProcessStartInfo("bash") { WorkingDirectory = TestPaths.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "scripts", "cluster-demo.sh"));
        start.Environment["CLUSTER_DEMO_MANIFEST"] = manifest;
        start.Environment["CLUSTER_DEMO_DIR"] = work;
        start.Environment["CLUSTER_DEMO_INTERVAL"] = "2";
        start.Environment["CONFIG"] = WorkerCommand.Configuration;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        process.ExitCode.ShouldBe(0, output);
        output.ShouldContain("STATUS: deployed", Case.Sensitive, output);
        output.ShouldContain("sftjob.posttrain.dev/quick-sft created");
        output.ShouldMatch(@"sftjob\.posttrain\.dev/quick-sft\s+Succeeded\s+100");
        output.ShouldMatch(@"evaljob\.posttrain\.dev/quick-eval\s+Succeeded");
        output.ShouldContain("EvalJob/quick-eval");
        output.ShouldMatch(@"accuracy\s+examples\s+model\s*\n\s+\d+\.\d\d%\s+12\s+sft");
        output.ShouldContain("stopped the operator, the node agent and the API server");
        File.Exists(Path.Combine(work, "node", "pvcs", "posttrain-demo", "posttrain-runs", "quick-sft", "checkpoint-000020", "model.safetensors"))
            .ShouldBeTrue("the checkpoint is on the claim's host folder");

        // Nothing it started is left running.
        var left = Process.GetProcesses().Where(p => CommandLine(p).Contains(work, StringComparison.Ordinal)).Select(CommandLine).ToList();
        left.ShouldBeEmpty();
    }

    [Fact]
    public void The_cluster_demo_applies_the_local_demos_jobs_with_outputs_on_a_claim_and_no_GPU()
    {
        static Dictionary<string, JsonObject> Jobs(string file) => YamlJsonReader.ReadAll(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "examples", file)))
            .Select(d => d.Root!.AsObject())
            .Where(d => ((string?)d["apiVersion"])!.StartsWith("posttrain.dev/", StringComparison.Ordinal))
            .ToDictionary(d => (string)d["metadata"]!["name"]!);

        var local = Jobs("local/arithmetic-pipeline.yaml");
        var cluster = Jobs("cluster/arithmetic-pipeline.yaml");
        cluster.Keys.ShouldBe(local.Keys);
        foreach (var (name, job) in cluster)
        {
            var spec = job["spec"]!.AsObject();
            spec["resources"]!.ToJsonString().ShouldBe("""{"gpus":0}""", name);
            ((string?)spec["output"]!["uri"]).ShouldBe($"pvc://posttrain-runs/{name}");
            var rest = (JsonObject)job.DeepClone();
            rest["spec"]!.AsObject().Remove("resources");
            rest["spec"]!["output"]!.AsObject().Remove("uri");
            if (rest["spec"]!["output"]!.AsObject().Count == 0)
            {
                rest["spec"]!.AsObject().Remove("output");
            }

            rest.ToJsonString().ShouldBe(local[name].ToJsonString(), name);
        }
    }

    private static string CommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    public void Dispose() => _dir.Dispose();
}
