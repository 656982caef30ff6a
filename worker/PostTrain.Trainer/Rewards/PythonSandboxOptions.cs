namespace PostTrain.Trainer.Rewards;

/// <summary>Limits of the Python sandbox that runs model-written code (see docs/data-and-rewards.md for what each layer guarantees).</summary>
public sealed record PythonSandboxOptions
{
    /// <summary>The interpreter; null finds <c>/usr/bin/python3</c>, then <c>python3</c> on PATH.</summary>
    public string? PythonPath { get; init; }

    /// <summary>Wall-clock limit of one run; on expiry the whole process group is killed.</summary>
    public TimeSpan WallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Time limit of the program's top level and of each test, enforced inside Python with SIGALRM (a test that loops
    /// fails with TimeoutError and the next one still runs); null turns it off. The wall-clock limit still applies to all.
    /// </summary>
    public TimeSpan? PerTestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>RLIMIT_CPU: CPU seconds.</summary>
    public int CpuSeconds { get; init; } = 10;

    /// <summary>RLIMIT_AS: address space in bytes.</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>RLIMIT_FSIZE: the largest file the code may write, in bytes.</summary>
    public long MaxFileBytes { get; init; } = 16L << 20;

    /// <summary>RLIMIT_NPROC: processes of the sandbox's user (counted by the kernel per user; forking is also blocked by the audit hook).</summary>
    public int MaxProcesses { get; init; } = 64;

    /// <summary>The most stdout and stderr kept, each, in bytes; the rest is read and dropped.</summary>
    public int MaxOutputBytes { get; init; } = 16 * 1024;

    /// <summary>When the worker runs as root, run the code as this uid/gid (nobody) instead, so file permissions apply; null keeps root.</summary>
    public int? UnprivilegedUid { get; init; } = 65534;

    /// <summary>Install the audit hook (on by default). Off only to test the kernel-enforced layers on their own.</summary>
    internal bool InstallAuditHook { get; init; } = true;

    /// <summary>Run the code in a new, empty network namespace (<c>unshare --net</c>) when the machine allows it.</summary>
    public bool IsolateNetwork { get; init; } = true;
}
