namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>What happened when code ran in a <see cref="ICodeSandbox"/>.</summary>
public sealed record SandboxResult
{
    /// <summary>Per test, in order: true when the harness saw it run to the end without raising.</summary>
    public required IReadOnlyList<bool> TestPassed { get; init; }

    /// <summary>Per test: the exception type that failed it, or null (passed or never reached).</summary>
    public required IReadOnlyList<string?> TestErrors { get; init; }

    /// <summary>The error raised by the program or the setup code (before any test ran), or null.</summary>
    public string? ProgramError { get; init; }

    /// <summary>
    /// Why the sandbox itself failed (the isolation did not start; not the program's doing), or null. A reward must not
    /// score such a run as the program's failure.
    /// </summary>
    public string? SandboxError { get; init; }

    /// <summary>Why the candidate process ran without its seccomp filter, or null when the filter was installed.</summary>
    public string? SeccompError { get; init; }

    /// <summary>True when the run was killed at the wall-clock limit.</summary>
    public bool TimedOut { get; init; }

    /// <summary>True when the harness reported that it finished every test.</summary>
    public bool Completed { get; init; }

    /// <summary>The harness's exit code (-1 when killed).</summary>
    public int ExitCode { get; init; }

    /// <summary>What the program printed (stdout and stderr together, truncated), and any sandbox diagnostics.</summary>
    public string Output { get; init; } = string.Empty;

    /// <summary>How many tests passed.</summary>
    public int PassedCount => TestPassed.Count(p => p);
}
