namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>Isolation and limits of the sandbox that runs model-written Python (docs/data-and-rewards.md, "The code sandbox").</summary>
public sealed record PythonSandboxOptions
{
    /// <summary>The environment variable that overrides <see cref="SandboxIsolation.Auto"/>: auto, bwrap, unshare or none.</summary>
    public const string IsolationVariable = "POSTTRAIN_SANDBOX_ISOLATION";

    /// <summary>The interpreter; null finds <c>/usr/bin/python3</c>, then <c>python3</c> on PATH.</summary>
    public string? PythonPath { get; init; }

    /// <summary>The isolation asked for; <see cref="SandboxIsolation.Auto"/> (the default) takes the strongest available.</summary>
    public SandboxIsolation Isolation { get; init; } = SandboxIsolation.Auto;

    /// <summary>
    /// Run candidates without kernel isolation when none is available (the job's <c>allowUnisolatedCode</c>); when false
    /// such a machine refuses with <see cref="SandboxUnavailableException"/>, saying why.
    /// </summary>
    public bool AllowUnisolated { get; init; }

    /// <summary>
    /// Set by the sandbox server in its own container (the cluster's sidecar): the container is the boundary, so
    /// running without kernel isolation inside it is not a refusal.
    /// </summary>
    public bool InsideSandboxContainer { get; init; }

    /// <summary>Wall-clock limit of one run; on expiry everything the run started is killed.</summary>
    public TimeSpan WallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time limit of the program's top level and of each test (a test that loops fails with TimeoutError and the next
    /// one still runs, in a fresh candidate process); null turns it off. The wall-clock limit still applies to all.
    /// </summary>
    public TimeSpan? PerTestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>RLIMIT_CPU of each candidate process: CPU seconds.</summary>
    public int CpuSeconds { get; init; } = 10;

    /// <summary>RLIMIT_AS of each candidate process: address space in bytes.</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>RLIMIT_FSIZE: the largest file a candidate may write, in bytes.</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>RLIMIT_NPROC: processes of the candidate's user (per sandbox where it has its own user namespace).</summary>
    public int MaxProcesses { get; init; } = 16;

    /// <summary>RLIMIT_NOFILE: open files of each candidate process.</summary>
    public int MaxOpenFiles { get; init; } = 64;

    /// <summary>Size of the private tmpfs that is the candidate's working directory (and /tmp), in bytes.</summary>
    public long ScratchBytes { get; init; } = 64L << 20;

    /// <summary>The most candidate output (stdout and stderr together) kept, in bytes; the rest is read and dropped.</summary>
    public int MaxOutputBytes { get; init; } = 16 * 1024;

    /// <summary>The largest value (encoded) the candidate process may send back for one request, in bytes.</summary>
    public int MaxValueBytes { get; init; } = 1 << 20;

    /// <summary>When the worker runs as root, everything of the sandbox runs as this uid/gid (nobody) instead.</summary>
    public int UnprivilegedUid { get; init; } = 65534;

    /// <summary>The bubblewrap executable; null finds <c>bwrap</c> on PATH.</summary>
    public string? BubblewrapPath { get; init; }
}
