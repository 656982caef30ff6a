using System.Globalization;
using System.Text.RegularExpressions;
using PostTrain.Api.Worker;
using PostTrain.Operator.Workers;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Tests;

/// <summary>
/// The real worker with its outputs on "claims" (folders under a POSTTRAIN_PVC_ROOT): what it reports in result.json,
/// the termination message and /status is the pvc:// URI of what it wrote, read back with the operator's readers.
/// </summary>
public sealed partial class PvcOutputTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-pvc-");

    private string PvcRoot => Path.Combine(_dir.Path, "pvc");

    private Dictionary<string, string> Environment => new() { ["POSTTRAIN_PVC_ROOT"] = PvcRoot };

    private string Write(string name, params string[] documents)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, string.Join("\n---\n", documents));
        return path;
    }

    private static string WithOutput(string manifest, string uri) =>
        manifest.Contains("  output: {", StringComparison.Ordinal)
            ? manifest.Replace("  output: {", $"  output: {{uri: {uri}, ", StringComparison.Ordinal)
            : manifest.Replace("  rollout:", $"  output: {{uri: {uri}}}\n  rollout:", StringComparison.Ordinal);

    [Fact]
    public void A_job_with_a_pvc_output_reports_pvc_uris_and_its_dependent_loads_from_them()
    {
        var file = Write("chain.yaml", WithOutput(Manifests.Sft("s", 3), "pvc://ckpt/run"), WithOutput(Manifests.Rlvr("r", "s", 1), "pvc://rl.out/rl"));
        var termination = Path.Combine(_dir.Path, "termination-log");

        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, Environment, "run", file, "--runs-dir", "out", "--no-server", "--termination-log", termination);

        code.ShouldBe(0, stdout + stderr);
        var sft = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(PvcRoot, "ckpt", "run", "result.json"))).ShouldNotBeNull();
        sft.Checkpoint!.Uri.ShouldBe("pvc://ckpt/run/checkpoint-000003");
        sft.Checkpoint.Step.ShouldBe(3);
        TrainerState.Load(Path.Combine(PvcRoot, "ckpt", "run", "checkpoint-000003")).Losses.Count.ShouldBe(3);

        // The RLVR job named the SFT job: it trained from the checkpoint it found through pvc://ckpt/run/...
        var rlvr = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(PvcRoot, "rl.out", "rl", "result.json"))).ShouldNotBeNull();
        rlvr.Phase.ShouldBe(WorkerPhases.Succeeded);
        rlvr.Checkpoint!.Uri.ShouldBe("pvc://rl.out/rl/checkpoint-000001");
        Directory.Exists(Path.Combine(PvcRoot, "rl.out", "rl", "checkpoint-000001")).ShouldBeTrue();
        stdout.ShouldNotContain(PvcRoot + "/ckpt/run/checkpoint", Case.Sensitive, "no pod-local checkpoint path is reported");
        stdout.ShouldContain("SftJob/s: chat template: the built-in chatml template");
        stdout.ShouldContain("RlvrJob/r: chat template: the model's own chat template (tokenizer_config.json (chat_template))");

        // The termination message (the last job's result), as the operator reads it.
        var last = WorkerJson.TryReadResult(File.ReadAllText(termination)).ShouldNotBeNull();
        last.Kind.ShouldBe("RlvrJob");
        last.Checkpoint!.Uri.ShouldBe("pvc://rl.out/rl/checkpoint-000001");
        last.Checkpoint.Step.ShouldBe(1);
    }

    [Fact]
    public async Task Status_and_a_preempted_result_report_the_newest_checkpoint_as_a_pvc_uri()
    {
        var file = Write("live.yaml", WithOutput(Manifests.Sft("s", 5000, saveEvery: 2), "pvc://ckpt/live"));
        var termination = Path.Combine(_dir.Path, "termination-log");
        var port = TestPorts.Free();
        using var worker = new WorkerProcess(_dir.Path, Environment, "", "run", file, "--runs-dir", "out", "--port", port.ToString(CultureInfo.InvariantCulture), "--termination-log", termination);
        worker.WaitForOutput("SftJob/s [....................] 3/5000", TimeSpan.FromSeconds(120)).ShouldBeTrue(worker.Output);

        // Polled as the operator polls a running pod.
        using var client = new HttpWorkerStatusClient(TimeSpan.FromSeconds(5));
        WorkerStatus? status = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (status?.Checkpoint is null && DateTime.UtcNow < deadline)
        {
            status = await client.GetStatusAsync("127.0.0.1", port, CancellationToken.None);
            await Task.Delay(100);
        }

        status.ShouldNotBeNull(worker.Output);
        status.Job.ShouldBe("s");
        status.Kind.ShouldBe("SftJob");
        status.Phase.ShouldBe(WorkerPhases.Running);
        var live = status.Checkpoint.ShouldNotBeNull(worker.Output);
        var match = CheckpointUri().Match(live.Uri!);
        match.Success.ShouldBeTrue(live.Uri);
        long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture).ShouldBe(live.Step);
        Directory.Exists(Path.Combine(PvcRoot, "ckpt", "live", $"checkpoint-{live.Step:D6}")).ShouldBeTrue();

        PosixKill(worker.Id, 15).ShouldBe(0);
        worker.Wait(TimeSpan.FromMinutes(2)).ExitCode.ShouldBe(143);
        var preempted = WorkerJson.TryReadResult(File.ReadAllText(termination)).ShouldNotBeNull();
        preempted.Phase.ShouldBe(WorkerPhases.Preempted);
        var saved = CheckpointUri().Match(preempted.Checkpoint!.Uri!);
        saved.Success.ShouldBeTrue(preempted.Checkpoint.Uri);
        preempted.Checkpoint.Step.ShouldBeGreaterThanOrEqualTo(live.Step);
        Directory.Exists(Path.Combine(PvcRoot, "ckpt", "live", $"checkpoint-{preempted.Checkpoint.Step:D6}")).ShouldBeTrue();
    }

    [GeneratedRegex(@"^pvc://ckpt/live/checkpoint-(\d{6})$")]
    private static partial Regex CheckpointUri();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int PosixKill(int pid, int signal);

    public void Dispose() => _dir.Dispose();
}
