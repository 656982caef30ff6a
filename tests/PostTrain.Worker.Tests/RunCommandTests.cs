using System.Text.Json.Nodes;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-worker-");

    private string Write(string name, params string[] documents)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, string.Join("\n---\n", documents));
        return path;
    }

    [Fact]
    public void A_pipeline_runs_in_dependency_order_chains_checkpoints_and_writes_results_and_a_report()
    {
        // Eval first in the file: the worker must still run SFT, then RLVR, then Eval.
        var file = Write("pipe.yaml", Manifests.Eval("ev", "s", "r"), Manifests.Rlvr("r", "s", 2), Manifests.Sft("s", 3));
        var termination = Path.Combine(_dir.Path, "termination-log");
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server", "--termination-log", termination);

        code.ShouldBe(0, stdout + stderr);
        stdout.IndexOf("SftJob/s: started", StringComparison.Ordinal).ShouldBeLessThan(stdout.IndexOf("RlvrJob/r: started", StringComparison.Ordinal));
        stdout.IndexOf("RlvrJob/r: started", StringComparison.Ordinal).ShouldBeLessThan(stdout.IndexOf("EvalJob/ev: started", StringComparison.Ordinal));

        var sft = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "s", "result.json")))!;
        sft["phase"]!.GetValue<string>().ShouldBe("Succeeded");
        sft["checkpoint"]!["step"]!.GetValue<long>().ShouldBe(3);
        var sftCheckpoint = sft["checkpoint"]!["uri"]!.GetValue<string>();
        File.Exists(Path.Combine(sftCheckpoint, "config.json")).ShouldBeTrue();
        File.Exists(Path.Combine(sftCheckpoint, "tokenizer.json")).ShouldBeTrue();
        TrainerState.Load(sftCheckpoint).Losses.Count.ShouldBe(3);

        var rlvr = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "out", "r", "result.json")))!;
        rlvr["metrics"]!["reward_mean"].ShouldNotBeNull();
        rlvr["metrics"]!["kl"].ShouldNotBeNull();

        var eval = JsonNode.Parse(File.ReadAllText(termination))!; // the last job's result
        eval["name"]!.GetValue<string>().ShouldBe("ev");
        var table = eval["table"]!.AsArray();
        table.Select(r => r!["model"]!.GetValue<string>()).ShouldBe(["sft", "rlvr"]);
        table[0]!["source"]!.GetValue<string>().ShouldBe(sftCheckpoint);
        table[0]!["pass@2"].ShouldNotBeNull();
        var predictions = table[1]!["predictions"]!.GetValue<string>();
        predictions.ShouldBe(Path.Combine(_dir.Path, "out", "ev", "predictions-rlvr.jsonl"));
        var lines = File.ReadAllLines(predictions).Select(l => JsonNode.Parse(l)!).ToList();
        lines.Count.ShouldBe(table[1]!["examples"]!.GetValue<int>());
        lines.Count(l => l["correct"]!.GetValue<bool>()).ShouldBe((int)Math.Round(table[1]!["accuracy"]!.GetValue<double>() * lines.Count));
        lines.ShouldAllBe(l => l["id"] != null && l["prompt"] != null && l["answer"] != null && l["samplesCorrect"] != null);
        stdout.ShouldContain("accuracy");

        var report = File.ReadAllText(Path.Combine(_dir.Path, "out", "pipe", "report.html"));
        report.ShouldContain("<svg");
        report.ShouldContain("reward_mean");
        report.ShouldContain("<td>rlvr</td>");
    }

    [Fact]
    public void An_invalid_manifest_exits_2_naming_the_field_and_line()
    {
        var file = Write("bad.yaml", Manifests.Sft("s", 3).Replace("learningRate: 3e-3", "learningRate: -1", StringComparison.Ordinal));
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--no-server");
        code.ShouldBe(2);
        stderr.ShouldContain("spec.training.learningRate");
        stderr.ShouldContain("bad.yaml:");
    }

    [Fact]
    public void A_failed_job_fails_its_dependents_with_the_reason()
    {
        var broken = Manifests.Sft("s", 3).Replace("builtin://arithmetic?split=sft&count=40", "/nonexistent/data.jsonl", StringComparison.Ordinal);
        var file = Write("fail.yaml", broken, Manifests.Rlvr("r", "s", 1));
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server");
        code.ShouldBe(2, "a missing dataset is input the user must fix: not retried");
        stderr.ShouldContain("SftJob/s: Failed: InvalidInput:");
        stderr.ShouldContain("/nonexistent/data.jsonl");
        stderr.ShouldContain("RlvrJob/r: Failed: DependencyFailed: SftJob/s ended Failed");
    }

    [Fact]
    public async Task A_running_rlvr_job_serves_its_rl_metrics_on_status_and_metrics()
    {
        var file = Write("rl.yaml", Manifests.Sft("s", 2), Manifests.Rlvr("r", "s", 5000));
        var port = TestPorts.Free();
        using var worker = new WorkerProcess(_dir.Path, "", "run", file, "--runs-dir", "out", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        worker.WaitForOutput("RlvrJob/r [....................] 2/5000", TimeSpan.FromSeconds(120)).ShouldBeTrue(worker.Output);
        worker.Output.ShouldContain($"serving /metrics and /status on port {port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var status = JsonNode.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)))!;
        ((string?)status["kind"]).ShouldBe("RlvrJob");
        ((string?)status["job"]).ShouldBe("r");
        ((long)status["progress"]!["step"]!).ShouldBeGreaterThanOrEqualTo(2);
        var figures = status["progress"]!["metrics"]!.AsObject();
        string[] rl =
        [
            "reward_mean", "reward_std", "pass_rate", "kl", "entropy", "clip_fraction", "clip_fraction_low", "clip_fraction_high",
            "response_length_mean", "zero_std_group_fraction", "generate_seconds", "reward_seconds", "logprob_seconds",
            "update_seconds", "rollout_tokens_per_second",
        ];
        rl.Where(name => !figures.ContainsKey(name)).ShouldBeEmpty($"/status: {status}");
        ((double)figures["rollout_tokens_per_second"]!).ShouldBeGreaterThan(0);

        var exposition = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string[] families =
        [
            "posttrain_reward_mean", "posttrain_reward_std", "posttrain_pass_rate", "posttrain_kl", "posttrain_entropy",
            "posttrain_clip_fraction_low", "posttrain_clip_fraction_high", "posttrain_zero_std_group_fraction",
            "posttrain_phase_generate_seconds", "posttrain_phase_update_seconds", "posttrain_rollout_tokens_per_second",
        ];
        families.Where(f => !exposition.Contains(f + "{", StringComparison.Ordinal)).ShouldBeEmpty(exposition);
        exposition.ShouldContain("job=\"r\"");

        PosixKill(worker.Id, 15).ShouldBe(0);
        worker.Wait(TimeSpan.FromMinutes(2)).ExitCode.ShouldBe(143);
    }

    [Fact]
    public void Sigterm_saves_a_checkpoint_exits_143_and_the_same_command_resumes()
    {
        var file = Write("long.yaml", Manifests.Sft("s", 5000, saveEvery: 100_000));
        using (var worker = new WorkerProcess(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server"))
        {
            // Signal once training is under way: after the third progress line, long before 5000 steps.
            worker.WaitForOutput("SftJob/s [....................] 3/5000", TimeSpan.FromSeconds(90)).ShouldBeTrue(worker.Output);
            PosixKill(worker.Id, 15).ShouldBe(0);
            var (code, stdout, stderr) = worker.Wait(TimeSpan.FromMinutes(2));
            code.ShouldBe(143, stdout + stderr);
            stdout.ShouldContain("saving a checkpoint");
        }

        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "out", "s"));
        var saved = CheckpointManager.StepOf(checkpoints.Latest()!);
        saved.ShouldBeGreaterThanOrEqualTo(3);
        saved.ShouldBeLessThan(5000);

        var shorter = Write("long.yaml", Manifests.Sft("s", (int)saved + 2, saveEvery: 1000));
        var (resumedCode, resumedOut, resumedErr) = WorkerProcess.Run(_dir.Path, "", "run", shorter, "--runs-dir", "out", "--no-server");
        resumedCode.ShouldBe(0, resumedOut + resumedErr);
        resumedOut.ShouldContain($"at step {saved}");
        TrainerState.Load(checkpoints.Latest()!).Losses.Count.ShouldBe((int)saved + 2);
    }

    [Fact]
    public void A_job_does_not_resume_checkpoints_written_under_a_different_spec()
    {
        string Run(string manifest, int expectedCode)
        {
            var file = Write("s.yaml", manifest);
            var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server");
            code.ShouldBe(expectedCode, stdout + stderr);
            return stdout + stderr;
        }

        Run(Manifests.Sft("s", 2), 0);
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "out", "s"));
        var first = checkpoints.Latest()!;
        File.Exists(Path.Combine(_dir.Path, "out", "s", "job-spec.json")).ShouldBeTrue();

        // Another learning rate under the same output: refused, naming the field, and the checkpoint stays.
        var otherRate = Manifests.Sft("s", 2).Replace("learningRate: 3e-3", "learningRate: 1e-3", StringComparison.Ordinal);
        var refused = Run(otherRate, 2);
        refused.ShouldContain("different spec (changed: spec.training.learningRate)");
        refused.ShouldContain("write to another spec.output.uri");
        checkpoints.Latest().ShouldBe(first);
        File.Exists(Path.Combine(first, "model.safetensors")).ShouldBeTrue();

        // Training further is not a change of spec: it resumes.
        Run(Manifests.Sft("s", 3), 0).ShouldContain("at step 2");
        CheckpointManager.StepOf(checkpoints.Latest()!).ShouldBe(3);

        // resume: never beside those checkpoints is refused too (it would mix two runs, and keep-newest would delete
        // its own new checkpoints); a fresh output starts over under the new spec, which becomes the recorded one.
        var never = otherRate.Replace("  seed: 3", "  resume: never\n  seed: 3", StringComparison.Ordinal);
        Run(never, 2).ShouldContain("already holds checkpoints (checkpoint-000002, checkpoint-000003)");
        Directory.Delete(Path.Combine(_dir.Path, "out", "s"), recursive: true);
        Run(never, 0).ShouldNotContain("at step");
        File.ReadAllText(Path.Combine(_dir.Path, "out", "s", "job-spec.json")).ShouldContain("0.001");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int PosixKill(int pid, int signal);

    public void Dispose() => _dir.Dispose();
}
