using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary>
/// Input the user must fix exits 2 with one line naming file, line or field (no stack trace, no exit 134), so the
/// operator's pod failure policy fails the job instead of retrying; a second writer and a resume: never run beside
/// checkpoints are refused before anything is touched.
/// </summary>
public sealed class FailurePathTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-failures-");

    [Fact]
    public void A_corrupt_model_source_exits_2_with_one_line_naming_the_file()
    {
        var first = Write("first.yaml", Manifests.Sft("s", 1));
        WorkerProcess.Run(_dir.Path, "", "run", first, "--runs-dir", "out", "--no-server").ExitCode.ShouldBe(0);
        var checkpoint = Directory.EnumerateDirectories(Path.Combine(_dir.Path, "out", "s"), "checkpoint-*").Single();
        var weights = Path.Combine(checkpoint, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..64]);

        var next = Write("next.yaml", Manifests.Sft("t", 1).Replace("builtin://tiny", checkpoint, StringComparison.Ordinal));
        var termination = Path.Combine(_dir.Path, "termination-log");
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", next, "--runs-dir", "out", "--no-server", "--termination-log", termination);
        code.ShouldBe(2, stderr);
        stderr.ShouldContain("InvalidInput:");
        stderr.ShouldContain("model.safetensors");
        stderr.ShouldNotContain("   at ", Case.Sensitive, "no stack trace unless POSTTRAIN_STACK_TRACES=1");
        File.ReadAllText(termination).ShouldContain("model.safetensors");
    }

    [Fact]
    public void A_bad_dataset_record_exits_2_naming_file_and_line()
    {
        var data = Path.Combine(_dir.Path, "data.jsonl");
        File.WriteAllText(data, "{\"question\": \"1+1?\", \"answer\": \"#### 2\"}\n{\"question\": \"2+2?\"}\n");
        var file = Write("bad-data.yaml", Manifests.Sft("s", 1).Replace("builtin://arithmetic?split=sft&count=40", data, StringComparison.Ordinal));
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server");
        code.ShouldBe(2, stderr);
        stderr.ShouldContain($"{data}:2:");
        stderr.ShouldNotContain("   at ");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("70000")]
    public void A_port_outside_1_to_65535_exits_2_saying_so(string port)
    {
        var file = Write("p.yaml", Manifests.Sft("s", 1));
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--port", port);
        code.ShouldBe(2);
        stderr.ShouldContain($"{port} is not a TCP port");
        stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public void Resume_never_into_a_folder_with_checkpoints_is_refused_naming_them_and_leaves_them()
    {
        var first = Write("first.yaml", Manifests.Sft("s", 2));
        WorkerProcess.Run(_dir.Path, "", "run", first, "--runs-dir", "out", "--no-server").ExitCode.ShouldBe(0);
        var again = Write("again.yaml", Manifests.Sft("s", 3).Replace("  seed: 3", "  seed: 3\n  resume: never", StringComparison.Ordinal));
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "", "run", again, "--runs-dir", "out", "--no-server");
        code.ShouldBe(2, stderr);
        stderr.ShouldContain("already holds checkpoints (checkpoint-000002)");
        Directory.EnumerateDirectories(Path.Combine(_dir.Path, "out", "s"), "checkpoint-*").Select(Path.GetFileName).ShouldBe(["checkpoint-000002"]);
    }

    [Fact]
    public async Task A_second_writer_of_an_output_folder_is_refused_naming_the_first()
    {
        var output = Path.Combine(_dir.Path, "shared-output");
        using var first = await OutputFolderLock.AcquireAsync(output, "SftJob/a", TimeSpan.Zero, CancellationToken.None);
        var e = await Should.ThrowAsync<JobInputException>(() => OutputFolderLock.AcquireAsync(output, "SftJob/b", TimeSpan.FromMilliseconds(600), CancellationToken.None));
        e.Message.ShouldContain("is being written by another worker (SftJob/a on ");
        e.Message.ShouldContain($"pid {Environment.ProcessId}");
        first.Dispose();
        using var afterwards = await OutputFolderLock.AcquireAsync(output, "SftJob/b", TimeSpan.Zero, CancellationToken.None);
    }

    [Fact]
    public void Failures_are_sorted_into_input_to_fix_and_the_rest()
    {
        JobFailures.IsInvalidInput(new IOException("No space left on device : '/mnt/pvc/ckpt/x'", 28)).ShouldBeTrue();
        JobFailures.Describe(new IOException("No space left on device", 28)).ShouldStartWith("the disk is full");
        JobFailures.IsInvalidInput(new FileNotFoundException("Could not find file '/data/x.jsonl'")).ShouldBeTrue();
        JobFailures.IsInvalidInput(new IOException("connection reset")).ShouldBeFalse();
        JobFailures.IsInvalidInput(new HttpRequestException("502")).ShouldBeFalse();
        JobFailures.Describe(new NullReferenceException("boom")).ShouldBe("NullReferenceException: boom");
    }

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
