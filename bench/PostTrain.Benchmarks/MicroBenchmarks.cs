using System.CommandLine;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PostTrain.Benchmarks;

/// <summary>
/// <c>micro</c>: the BenchmarkDotNet micro-benchmarks of this assembly (the <c>*Benchmarks</c> classes with
/// <c>[Benchmark]</c> methods), run in process (no generated project to build), with BenchmarkDotNet's own options
/// passed through: <c>micro --filter '*Api*'</c>, <c>micro --list flat</c>, <c>micro --short</c>. Results and reports go
/// to runs/bench/ under the repository.
/// </summary>
internal static class MicroBenchmarks
{
    /// <summary>What <c>micro</c> runs, one line.</summary>
    public const string Description = "BenchmarkDotNet micro-benchmarks: API contract, metrics exposition and recording, arithmetic data and math reward, tokenizers";

    /// <summary>The <c>micro</c> command; tokens it does not know go to BenchmarkDotNet.</summary>
    public static Command Command()
    {
        var shortRun = new Option<bool>("--short") { Description = "BenchmarkDotNet's ShortRun job (3 warm-ups, 3 iterations), as make bench uses." };
        var command = new Command("micro", Description + ". Other options go to BenchmarkDotNet (--filter PATTERN, --list flat, --job short, ...).")
        {
            shortRun,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse => Run(parse.UnmatchedTokens, parse.GetValue(shortRun)));
        return command;
    }

    /// <summary>Runs the micro-benchmarks BenchmarkDotNet's <paramref name="args"/> select (all without a filter); returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, bool shortRun)
    {
        var job = (shortRun ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .WithArtifactsPath(Path.Combine(BenchPaths.RepoRoot(), "runs", "bench", "BenchmarkDotNet.Artifacts"));
        var selection = args.Any(a => a is "--filter" or "-f" or "--list" or "--info") ? args : [.. args, "--filter", "*"];
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run([.. selection], config).ToList();
        return summaries.All(s => !s.HasCriticalValidationErrors && s.Reports.All(r => r.Success)) ? 0 : 1;
    }
}
