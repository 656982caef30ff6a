namespace PostTrain.Worker.Cli;

/// <summary>What <c>posttrain-worker run</c> was asked, after its options and their environment fallbacks are read.</summary>
public sealed record RunSettings
{
    /// <summary>The manifest or job.json to run.</summary>
    public required string File { get; init; }

    /// <summary>Where outputs of jobs without spec.output.uri go (DIR/&lt;job&gt;).</summary>
    public string RunsDirectory { get; init; } = "runs";

    /// <summary>The port /metrics and /status are served on.</summary>
    public int Port { get; init; } = 9090;

    /// <summary>Serve nothing.</summary>
    public bool NoServer { get; init; }

    /// <summary>Where the result JSON goes, or null for nowhere.</summary>
    public string? TerminationLog { get; init; }

    /// <summary>auto, cpu or cuda; null for auto.</summary>
    public string? Device { get; init; }

    /// <summary>Ranks to start on this node.</summary>
    public int ProcsPerNode { get; init; } = 1;
}
