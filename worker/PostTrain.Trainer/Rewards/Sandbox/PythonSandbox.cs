namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// Runs untrusted Python (a model's program plus an item's tests) on this machine, isolated as well as the machine
/// allows (<see cref="SandboxIsolation"/>): bubblewrap, else unshare as root, else (only when allowed) a plain process.
/// The program runs in a candidate process inside the isolation; the tests run in a trusted harness outside it that
/// decides every verdict on plain values (docs/data-and-rewards.md, "The code sandbox", says what this does and does
/// not guarantee).
/// </summary>
public sealed class PythonSandbox : ICodeSandbox
{
    private static int _madeUndumpable;
    private readonly SandboxSelection _selection;

    /// <summary>
    /// Creates a sandbox and picks its isolation (probed once per process). Throws <see cref="FileNotFoundException"/>
    /// without a Python 3 interpreter, and <see cref="SandboxUnavailableException"/> when nothing isolates and
    /// <see cref="PythonSandboxOptions.AllowUnisolated"/> is off, saying what was tried and why it failed.
    /// </summary>
    public PythonSandbox(PythonSandboxOptions? options = null)
    {
        Options = options ?? new PythonSandboxOptions();
        PythonPath = Options.PythonPath ?? FindPython()
            ?? throw new FileNotFoundException("no Python 3 interpreter for the code sandbox: install python3 (/usr/bin/python3) or set PythonPath");
        if (!File.Exists(PythonPath))
        {
            throw new FileNotFoundException($"code sandbox interpreter {PythonPath} does not exist", PythonPath);
        }

        _selection = SandboxSelection.For(PythonPath, Options);
        var launcher = _selection.Launcher;
        if (launcher.Isolation == SandboxIsolation.None && !Options.AllowUnisolated && !Options.InsideSandboxContainer)
        {
            throw new SandboxUnavailableException(
                "code rewards run model-written code and need an isolated sandbox, and this machine offers none: "
                + string.Join("; ", _selection.Unavailable)
                + ". Install bubblewrap (apt-get install bubblewrap) where unprivileged user namespaces are allowed, or run the worker as root, "
                + "or set allowUnisolatedCode: true on the code reward to run candidates as plain processes (weaker: docs/data-and-rewards.md, \"The code sandbox\")");
        }

        if (launcher.Isolation == SandboxIsolation.None && OperatingSystem.IsLinux() && Interlocked.Exchange(ref _madeUndumpable, 1) == 0)
        {
            // Candidates may run as this process's user (a worker that is not root, the sandbox sidecar): keep them out
            // of /proc/<this>/environ (HF_TOKEN), /proc/<this>/mem (the runs' nonces), /proc/<this>/fd (the harnesses'
            // pipes) and ptrace.
            _ = SandboxNative.prctl(SandboxNative.PR_SET_DUMPABLE, 0, 0, 0, 0);
        }

        Isolation = (Options.InsideSandboxContainer && launcher.Isolation == SandboxIsolation.None ? "the sandbox container (own uid, no secrets, read-only root) and " : string.Empty)
            + launcher.Describe(Options, _selection.SeccompError)
            + (launcher.Isolation == SandboxIsolation.None && _selection.Unavailable.Count > 0 ? $" [not isolated because: {string.Join("; ", _selection.Unavailable)}]" : string.Empty);
    }

    /// <summary>The limits and choices in force.</summary>
    public PythonSandboxOptions Options { get; }

    /// <summary>The interpreter used.</summary>
    public string PythonPath { get; }

    /// <summary>The isolation in force on this machine.</summary>
    public SandboxIsolation Mode => _selection.Launcher.Isolation;

    /// <inheritdoc />
    public string Isolation { get; }

    /// <summary>/usr/bin/python3 if present, else the first python3 on PATH, else null.</summary>
    public static string? FindPython() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : SandboxHost.Find("python3");

    /// <inheritdoc />
    public Task<SandboxResult> RunAsync(string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tests);
        return SandboxRun.ExecuteAsync(_selection.Launcher, Options, code, tests, setupCode, cancellationToken);
    }

    /// <summary>Runs with other limits than <see cref="Options"/> (the sandbox server's per-request limits), same isolation.</summary>
    internal Task<SandboxResult> RunAsync(PythonSandboxOptions limits, string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken) =>
        SandboxRun.ExecuteAsync(_selection.Launcher, limits, code, tests, setupCode, cancellationToken);
}
