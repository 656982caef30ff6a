using System.Diagnostics;
using System.Globalization;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Tests;

/// <summary>
/// Two <c>posttrain-worker run</c> processes with RANK 0/1 and WORLD_SIZE 2 over Gloo on 127.0.0.1 against one process
/// on the combined batch: a step's batch of 8 is two micro-batches of 4; one process accumulates both, two ranks take
/// one each and sum their gradients. The ranks run in separate directories (no shared volume), so whatever rank 1
/// wrote would show.
/// </summary>
public sealed class DataParallelSftTests : IDisposable
{
    /// <summary>
    /// Float32 tolerance: the same products are summed, but the two micro-batch gradients meet in a different order
    /// (local accumulation vs all-reduce), so the last bits may differ after AdamW's three steps.
    /// </summary>
    private const double Tolerance = 1e-5;

    private const string Manifest = """
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: dp}
        spec:
          seed: 5
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=40", format: gsm8k}
          output: {saveEverySteps: 2, keep: 2}
          training: {maxSteps: 3, batchSize: 8, microBatchSize: 4, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 1, precision: fp32}
        """;

    private readonly TempDirectory _dir = new("posttrain-dp-");

    [Fact]
    public async Task Two_ranks_train_the_weights_and_losses_of_one_process_on_the_combined_batch_and_only_rank_0_writes()
    {
        var single = Folder("single");
        var rank0 = Folder("rank0");
        var rank1 = Folder("rank1");
        var scratch = Folder("rank1-tmp");
        var port = TestPorts.Free().ToString(CultureInfo.InvariantCulture);
        Dictionary<string, string> Env(int rank, int world) => new()
        {
            ["RANK"] = rank.ToString(CultureInfo.InvariantCulture),
            ["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture),
            ["MASTER_ADDR"] = "127.0.0.1",
            ["MASTER_PORT"] = port,
            ["OMP_NUM_THREADS"] = "1",
        };

        var reference = await RunWorkerAsync(single, Env(0, 1));
        var rank1Env = Env(1, 2);
        rank1Env["TMPDIR"] = scratch;
        var ranks = await Task.WhenAll(RunWorkerAsync(rank0, Env(0, 2)), RunWorkerAsync(rank1, rank1Env));

        reference.ExitCode.ShouldBe(0, reference.Output);
        ranks[0].ExitCode.ShouldBe(0, ranks[0].Output);
        ranks[1].ExitCode.ShouldBe(0, ranks[1].Output);
        ranks[0].Output.ShouldContain("rank 0 of 2");
        ranks[1].Output.ShouldContain("rank 1 of 2");
        reference.Output.ShouldNotContain("of 2 (data parallel");

        // Same weights and the same per-step losses (the ranks' losses are all-reduced before they are recorded).
        var expected = Path.Combine(single, "out", "dp", "checkpoint-000003");
        var actual = Path.Combine(rank0, "out", "dp", "checkpoint-000003");
        var expectedLosses = TrainerState.Load(expected).Losses;
        var actualLosses = TrainerState.Load(actual).Losses;
        actualLosses.Select(l => l.Step).ShouldBe([1L, 2L, 3L]);
        actualLosses.Select(l => l.Step).ShouldBe(expectedLosses.Select(l => l.Step));
        for (var i = 0; i < expectedLosses.Count; i++)
        {
            Math.Abs(actualLosses[i].Value - expectedLosses[i].Value).ShouldBeLessThan(Tolerance, $"loss at step {i + 1}");
        }

        expectedLosses[^1].Value.ShouldBeLessThan(expectedLosses[0].Value); // it trained
        MaxWeightDifference(expected, actual).ShouldBeLessThan(Tolerance);

        // Rank 0 wrote every checkpoint and the result; rank 1 wrote nothing into its output, its result went to scratch.
        Directory.Exists(Path.Combine(rank0, "out", "dp", "checkpoint-000002")).ShouldBeTrue();
        File.Exists(Path.Combine(rank0, "out", "dp", "result.json")).ShouldBeTrue();
        Directory.Exists(Path.Combine(rank1, "out")).ShouldBeFalse(string.Join(", ", Directory.Exists(Path.Combine(rank1, "out")) ? Directory.EnumerateFileSystemEntries(Path.Combine(rank1, "out"), "*", SearchOption.AllDirectories) : []));
        File.Exists(Path.Combine(scratch, "posttrain-rank-1", "dp", "result.json")).ShouldBeTrue();
        Directory.EnumerateDirectories(Path.Combine(scratch, "posttrain-rank-1", "dp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ranks_that_would_resume_from_different_steps_fail_fast_instead_of_training_apart()
    {
        // Rank 0's output holds a finished run; rank 1 cannot see it (no shared volume), so it would start from scratch.
        var rank0 = Folder("rank0");
        var rank1 = Folder("rank1");
        var port = TestPorts.Free().ToString(CultureInfo.InvariantCulture);
        Dictionary<string, string> Env(int rank, int world) => new()
        {
            ["RANK"] = rank.ToString(CultureInfo.InvariantCulture),
            ["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture),
            ["MASTER_ADDR"] = "127.0.0.1",
            ["MASTER_PORT"] = port,
            ["OMP_NUM_THREADS"] = "1",
            ["TMPDIR"] = Folder($"tmp-{rank}-{world}"),
        };
        var first = await RunWorkerAsync(rank0, Env(0, 1));
        first.ExitCode.ShouldBe(0, first.Output);

        var ranks = await Task.WhenAll(RunWorkerAsync(rank0, Env(0, 2)), RunWorkerAsync(rank1, Env(1, 2)));

        foreach (var (exitCode, output) in ranks)
        {
            exitCode.ShouldBe(1, output);
            output.ShouldContain("the ranks resume from different steps (0 to 3)");
        }

        Directory.Exists(Path.Combine(rank1, "out")).ShouldBeFalse();
    }

    public void Dispose() => _dir.Dispose();

    private static double MaxWeightDifference(string expectedCheckpoint, string actualCheckpoint)
    {
        using var expected = HfCheckpoint.Load(expectedCheckpoint);
        using var actual = HfCheckpoint.Load(actualCheckpoint);
        var actualParameters = actual.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var worst = 0.0;
        foreach (var (name, parameter) in expected.NamedParameters())
        {
            var a = parameter.ToArray<float>();
            var b = actualParameters[name].ToArray<float>();
            b.Length.ShouldBe(a.Length, name);
            for (var i = 0; i < a.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
            }
        }

        return worst;
    }

    private static async Task<(int ExitCode, string Output)> RunWorkerAsync(string directory, Dictionary<string, string> environment)
    {
        File.WriteAllText(Path.Combine(directory, "sft.yaml"), Manifest);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "posttrain-worker.dll"), "run", "sft.yaml", "--runs-dir", "out", "--no-server" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir.Path, name)).FullName;
}
