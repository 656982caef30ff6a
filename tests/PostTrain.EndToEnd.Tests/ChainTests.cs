using System.Text.Json.Nodes;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.EndToEnd.Tests;

/// <summary>
/// SFT → RLVR → Eval applied to the cluster: the operator renders the batch Jobs, the node agent runs the real worker
/// in their pods, each stage's checkpoint is handed to the next through its claim, and the EvalJob compares models
/// from two claims. Everything must come out exactly as <c>posttrain-worker run</c> gives for the same documents.
/// </summary>
[Collection(ClusterDefinition.Name)]
public sealed class ChainTests(ClusterFixture cluster) : IDisposable
{
    private const string Pipeline = """
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: sft}
        spec:
          seed: 5
          resources: {gpus: 0}
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=64&maxOperand=3&maxValue=9", format: gsm8k}
          output: {uri: pvc://sft-ckpt/sft, saveEverySteps: 20, keep: 1}
          training: {maxSteps: 60, batchSize: 16, microBatchSize: 16, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 10, precision: fp32}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: RlvrJob
        metadata: {name: rlvr}
        spec:
          seed: 5
          resources: {gpus: 0}
          model:
            fromJob: {kind: SftJob, name: sft}
          dataset: {source: "builtin://arithmetic?split=rl&count=64&maxOperand=3&maxValue=9", format: gsm8k}
          output: {uri: pvc://rl-ckpt/rlvr}
          rollout: {groupSize: 4, promptsPerStep: 4, maxNewTokens: 16}
          reward: [{type: math, mode: strict}]
          training: {steps: 3, learningRate: 1e-3, precision: fp32}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: EvalJob
        metadata: {name: eval}
        spec:
          seed: 5
          resources: {gpus: 0}
          models:
          - name: sft
            fromJob: {kind: SftJob, name: sft}
          - name: rlvr
            fromJob: {kind: RlvrJob, name: rlvr}
          dataset: {source: "builtin://arithmetic?split=test&count=24&maxOperand=3&maxValue=9", format: gsm8k}
          metrics: {accuracy: true, passAtK: {k: [1, 2], samples: 2, temperature: 1.0}}
          maxNewTokens: 16
          batchSize: 24
        """;

    private readonly TempDirectory _local = new("posttrain-e2e-local-");

    [Fact]
    public async Task Sft_then_rlvr_then_eval_through_the_operator_gives_exactly_what_the_local_run_gives()
    {
        // The same documents, run locally with the claims as folders.
        File.WriteAllText(Path.Combine(_local.Path, "pipeline.yaml"), Pipeline);
        var pvcRoot = Path.Combine(_local.Path, "pvc");
        var (code, output) = await WorkerCommand.RunAsync(_local.Path, new Dictionary<string, string> { ["POSTTRAIN_PVC_ROOT"] = pvcRoot }, "run", "pipeline.yaml", "--runs-dir", "out", "--no-server");
        code.ShouldBe(0, output);
        var localEval = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(_local.Path, "out", "eval", "result.json"))).ShouldNotBeNull();

        // The cluster: two claims, the operator, the documents applied at once (the operator orders them).
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "sft-ckpt");
        await cluster.CreateClaimAsync(ns, "rl-ckpt");
        await using var op = await cluster.StartOperatorAsync(ns);
        await cluster.ApplyAsync(ns, Pipeline);

        var eval = await cluster.WaitForPhaseAsync(JobKinds.Eval, ns, "eval", JobPhase.Succeeded, seconds: 300);
        var sft = await cluster.StatusAsync(JobKinds.Sft, ns, "sft");
        var rlvr = await cluster.StatusAsync(JobKinds.Rlvr, ns, "rlvr");

        // Each stage reported its checkpoint on its own claim, and the next stage was started from it.
        sft.Checkpoint!.Uri.ShouldBe("pvc://sft-ckpt/sft/checkpoint-000060");
        rlvr.Checkpoint!.Uri.ShouldBe("pvc://rl-ckpt/rlvr/checkpoint-000003");
        var rlvrConfig = (await cluster.Client.ConfigMaps.GetAsync(ChildNames.ConfigMap("rlvr", JobKinds.Rlvr.Kind), ns)).Data!["job.json"];
        JsonNode.Parse(rlvrConfig)!["spec"]!["model"]!["source"]!.GetValue<string>().ShouldBe("pvc://sft-ckpt/sft/checkpoint-000060");

        // A finished job's progress shows its end, whether or not a poll caught the worker running: kubectl get shows the final loss.
        sft.Progress!.Step.ShouldBe(60);
        sft.Progress.Percent.ShouldBe(100);
        sft.Progress.Metrics!["loss"].ShouldBe(sft.Result!.Metrics!["loss"]);
        rlvr.Progress!.Step.ShouldBe(3);
        rlvr.Progress.Metrics!["reward_mean"].ShouldBe(rlvr.Result!.Metrics!["reward_mean"]);

        // Bit for bit the same weights as the local run, and the same final figures.
        foreach (var (claim, job, checkpoint) in new[] { ("sft-ckpt", "sft", "checkpoint-000060"), ("rl-ckpt", "rlvr", "checkpoint-000003") })
        {
            var inCluster = Path.Combine(cluster.ClaimDirectory(ns, claim), job);
            var local = Path.Combine(pvcRoot, claim, job);
            File.ReadAllBytes(Path.Combine(inCluster, checkpoint, "model.safetensors"))
                .ShouldBe(File.ReadAllBytes(Path.Combine(local, checkpoint, "model.safetensors")), $"{job}'s weights");
            var clusterResult = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(inCluster, "result.json"))).ShouldNotBeNull();
            var localResult = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(local, "result.json"))).ShouldNotBeNull();
            ClusterFixture.Canonical(clusterResult.Metrics).ShouldBe(ClusterFixture.Canonical(localResult.Metrics), $"{job}'s metrics");
        }

        // The EvalJob's table (models from two claims) holds the local run's numbers; only where predictions were written differs.
        ClusterFixture.Canonical(eval.Result!.Metrics).ShouldBe(ClusterFixture.Canonical(localEval.Metrics));
        var rows = eval.Result.Table.ShouldNotBeNull();
        rows.Select(r => (string?)r["source"]).ShouldBe(["pvc://sft-ckpt/sft/checkpoint-000060", "pvc://rl-ckpt/rlvr/checkpoint-000003"]);
        ClusterFixture.Canonical(rows.Select(WithoutPredictions)).ShouldBe(ClusterFixture.Canonical(localEval.Table!.Select(WithoutPredictions)));

        // One pod per stage, none retried.
        foreach (var batch in new[] { ChildNames.BatchJob("sft", JobKinds.Sft.Kind), ChildNames.BatchJob("rlvr", JobKinds.Rlvr.Kind), ChildNames.BatchJob("eval", JobKinds.Eval.Kind) })
        {
            (await cluster.JobPodsAsync(ns, batch)).Count.ShouldBe(1, batch);
        }
    }

    private static JsonObject WithoutPredictions(JsonObject row)
    {
        var copy = row.DeepClone().AsObject();
        copy.Remove("predictions");
        return copy;
    }

    public void Dispose() => _local.Dispose();
}
