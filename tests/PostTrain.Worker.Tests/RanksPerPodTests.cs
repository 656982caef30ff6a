using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Tests;

/// <summary>
/// <c>posttrain-worker run --nproc-per-node 2</c> on the CPU: the worker starts two ranks as torchrun does (Gloo on the
/// CPU), and every kind trains or evaluates data-parallel.
/// </summary>
public sealed class RanksPerPodTests : IDisposable
{
    private const string Pipeline = """
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: sft}
        spec:
          seed: 3
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=40", format: gsm8k}
          training: {maxSteps: 4, batchSize: 8, microBatchSize: 2, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 1, precision: fp32}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: RlvrJob
        metadata: {name: rlvr}
        spec:
          seed: 3
          model:
            fromJob: {kind: SftJob, name: sft}
          dataset: {source: "builtin://arithmetic?split=rl&count=40", format: gsm8k}
          rollout: {groupSize: 4, promptsPerStep: 4, maxNewTokens: 12}
          algorithm:
            kl: {coef: 0.01}
          reward: [{type: math, mode: strict}, {type: regex, pattern: '####', weight: 0.1}]
          training: {steps: 2, learningRate: 1e-3, precision: fp32}
        ---
        apiVersion: posttrain.dev/v1alpha1
        kind: EvalJob
        metadata: {name: eval}
        spec:
          models:
          - name: sft
            fromJob: {kind: SftJob, name: sft}
          - name: rlvr
            fromJob: {kind: RlvrJob, name: rlvr}
          dataset: {source: "builtin://arithmetic?split=test&count=14", format: gsm8k}
          metrics: {accuracy: true, passAtK: {k: [1, 2], samples: 2, temperature: 1.0} }
          maxNewTokens: 12
          batchSize: 4
        """;

    private readonly TempDirectory _dir = new("posttrain-ranks-");

    [Fact]
    public void Every_kind_runs_on_two_ranks_and_the_eval_table_is_the_one_process_table()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "pipeline.yaml"), Pipeline);
        var scratch = Directory.CreateDirectory(Path.Combine(_dir.Path, "tmp")).FullName;
        var env = new Dictionary<string, string> { ["TMPDIR"] = scratch };
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, env, "run", "pipeline.yaml", "--runs-dir", "out", "--no-server", "--nproc-per-node", "2");
        var all = stdout + stderr;
        code.ShouldBe(0, all);
        all.ShouldContain("started 2 local ranks (RANK 0..1 of 2");
        foreach (var job in new[] { "SftJob/sft", "RlvrJob/rlvr" })
        {
            all.ShouldContain($"{job}: rank 0 of 2 (data parallel, Gloo");
            all.ShouldContain($"{job}: rank 1 of 2 (data parallel, Gloo");
        }

        all.ShouldContain("EvalJob/eval: rank 1 of 2, batches shared out by rank");
        all.ShouldContain("RlvrJob/rlvr: rank 1 of 2 (data parallel, Gloo; 2 prompts per rank per step)");

        // Rank 0 wrote the checkpoints and results; rank 1's results went to its scratch folder, with no checkpoint.
        var rlvr = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "rlvr", "result.json")))!;
        rlvr["phase"]!.GetValue<string>().ShouldBe("Succeeded");
        rlvr["checkpoint"]!["step"]!.GetValue<long>().ShouldBe(2);
        Directory.Exists(Path.Combine(_dir.Path, "out", "rlvr", "checkpoint-000002")).ShouldBeTrue();
        File.Exists(Path.Combine(scratch, "posttrain-rank-1", "rlvr", "result.json")).ShouldBeTrue();
        Directory.EnumerateDirectories(Path.Combine(scratch, "posttrain-rank-1", "rlvr")).ShouldBeEmpty();
        TrainerState.Load(Path.Combine(_dir.Path, "out", "sft", "checkpoint-000004")).Losses.Select(l => l.Step).ShouldBe([1L, 2, 3, 4]);

        // The same checkpoints evaluated by one process: the same table and the same answers, item by item.
        var single = Pipeline[Pipeline.IndexOf("apiVersion: posttrain.dev/v1alpha1\nkind: EvalJob", StringComparison.Ordinal)..]
            .Replace("fromJob: {kind: SftJob, name: sft}", $"source: {Path.Combine(_dir.Path, "out", "sft", "checkpoint-000004")}", StringComparison.Ordinal)
            .Replace("fromJob: {kind: RlvrJob, name: rlvr}", $"source: {Path.Combine(_dir.Path, "out", "rlvr", "checkpoint-000002")}", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_dir.Path, "single.yaml"), single);
        var one = WorkerProcess.Run(_dir.Path, new Dictionary<string, string>(), "run", "single.yaml", "--runs-dir", "single", "--no-server");
        one.ExitCode.ShouldBe(0, one.Stdout + one.Stderr);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "single", "eval", "result.json")))!["table"]!.AsArray();
        var actual = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "eval", "result.json")))!["table"]!.AsArray();
        actual.Count.ShouldBe(2);
        for (var i = 0; i < 2; i++)
        {
            foreach (var column in new[] { "examples", "accuracy", "pass@1", "pass@2" })
            {
                actual[i]![column]!.ToJsonString().ShouldBe(expected[i]![column]!.ToJsonString(), column);
            }

            var model = actual[i]!["model"]!.GetValue<string>();
            var predictions = File.ReadAllLines(Path.Combine(_dir.Path, "out", "eval", $"predictions-{model}.jsonl"));
            predictions.Length.ShouldBe(14);
            predictions.ShouldBe(File.ReadAllLines(Path.Combine(_dir.Path, "single", "eval", $"predictions-{model}.jsonl")), model);
        }
    }

    [Fact]
    public void Sigterm_to_the_launcher_stops_every_rank_at_the_same_step_with_a_checkpoint()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "sft.yaml"), Pipeline[..Pipeline.IndexOf("---", StringComparison.Ordinal)].Replace("maxSteps: 4", "maxSteps: 5000", StringComparison.Ordinal));
        var env = new Dictionary<string, string> { ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(_dir.Path, "tmp")).FullName };
        using var worker = new WorkerProcess(_dir.Path, env, string.Empty, "run", "sft.yaml", "--runs-dir", "out", "--no-server", "--nproc-per-node", "2");
        worker.WaitForOutput("] 3/5000", TimeSpan.FromMinutes(2)).ShouldBeTrue(worker.Output);
        Posix.Kill(worker.Id, Posix.SIGTERM).ShouldBe(0);
        var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(2));

        code.ShouldBe(143, stdout + stderr);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "sft", "result.json")))!;
        result["phase"]!.GetValue<string>().ShouldBe("Preempted");
        var step = result["checkpoint"]!["step"]!.GetValue<long>();
        step.ShouldBeGreaterThanOrEqualTo(3);
        Directory.Exists(Path.Combine(_dir.Path, "out", "sft", $"checkpoint-{step.ToString("D6", CultureInfo.InvariantCulture)}")).ShouldBeTrue();
        (stdout + stderr).ShouldContain($"cancelled at step {step}; saving a checkpoint");
    }

    [Fact]
    public void A_gpu_job_without_cuda_fails_at_once_with_exit_3_and_says_why()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "sft.yaml"), Pipeline[..Pipeline.IndexOf("---", StringComparison.Ordinal)]);
        var log = Path.Combine(_dir.Path, "termination-log");
        var env = new Dictionary<string, string> { ["POSTTRAIN_DEVICE"] = "cuda", ["CUDA_VISIBLE_DEVICES"] = string.Empty };
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, env, "run", "sft.yaml", "--runs-dir", "out", "--no-server", "--termination-log", log);

        code.ShouldBe(3, stdout + stderr);
        stderr.ShouldContain("InvalidEnvironment: the job asked for GPUs but ");
        stderr.ShouldContain("refusing to train on the CPU");
        var message = JsonNode.Parse(File.ReadAllText(log))!;
        message["phase"]!.GetValue<string>().ShouldBe("Failed");
        message["message"]!.GetValue<string>().ShouldStartWith("InvalidEnvironment: ");
        Directory.Exists(Path.Combine(_dir.Path, "out")).ShouldBeFalse("nothing trained");
    }

    public void Dispose() => _dir.Dispose();

    private static class Posix
    {
        public const int SIGTERM = 15;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int sig);

        public static int Kill(int pid, int sig) => kill(pid, sig);
    }
}
