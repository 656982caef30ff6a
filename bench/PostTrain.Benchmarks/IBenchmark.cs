namespace PostTrain.Benchmarks;

/// <summary>One named benchmark. Implementations are discovered by reflection, so adding one touches no shared file.</summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line, e.g. "torch" or "metrics".</summary>
    string Name { get; }

    /// <summary>What it measures, one line.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark, printing results to stdout; returns a process exit code.</summary>
    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
