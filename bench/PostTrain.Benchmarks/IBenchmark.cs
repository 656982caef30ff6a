using System.CommandLine;

namespace PostTrain.Benchmarks;

/// <summary>
/// One named end-to-end benchmark, a subcommand of the bench program. Implementations are discovered by reflection, so
/// adding one touches no shared file. Small in-process timings are BenchmarkDotNet classes instead (<see cref="MicroBenchmarks"/>).
/// </summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line, e.g. "torch" or "operator".</summary>
    string Name { get; }

    /// <summary>What it measures, one line.</summary>
    string Description { get; }

    /// <summary>Adds the benchmark's options and arguments to its command.</summary>
    void Configure(Command command);

    /// <summary>Runs the benchmark with the values <paramref name="parse"/> holds, printing results to stdout; returns a process exit code.</summary>
    Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken);
}
