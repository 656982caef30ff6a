namespace PostTrain.Trainer.Rewards;

/// <summary>What happened when code ran in the <see cref="PythonSandbox"/>.</summary>
public sealed record SandboxResult
{
    /// <summary>Per test, in order: true when it ran without raising.</summary>
    public required IReadOnlyList<bool> TestPassed { get; init; }

    /// <summary>Per test: the exception type that failed it, or null (passed or never reached).</summary>
    public required IReadOnlyList<string?> TestErrors { get; init; }

    /// <summary>The error raised by the program itself (before any test ran), or null.</summary>
    public string? ProgramError { get; init; }

    /// <summary>True when the run was killed at the wall-clock limit.</summary>
    public bool TimedOut { get; init; }

    /// <summary>True when the harness reported that it finished every test.</summary>
    public bool Completed { get; init; }

    /// <summary>The interpreter's exit code (-1 when killed).</summary>
    public int ExitCode { get; init; }

    /// <summary>The program's stdout (truncated; harness lines removed).</summary>
    public string Stdout { get; init; } = string.Empty;

    /// <summary>The program's stderr (truncated).</summary>
    public string Stderr { get; init; } = string.Empty;

    /// <summary>How many tests passed.</summary>
    public int PassedCount => TestPassed.Count(p => p);
}
