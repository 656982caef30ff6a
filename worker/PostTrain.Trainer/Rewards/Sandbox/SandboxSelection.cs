using System.Collections.Concurrent;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// Picks the isolation for this machine, once per interpreter and choice: each candidate isolation is tried with a
/// real run of the harness (a program and a test that must pass), strongest first, and the reasons the stronger ones
/// failed are kept for the refusal message.
/// </summary>
internal sealed class SandboxSelection
{
    private static readonly ConcurrentDictionary<string, Lazy<SandboxSelection>> Cache = new(StringComparer.Ordinal);

    private SandboxSelection(SandboxLauncher launcher, string? seccompError, IReadOnlyList<string> unavailable)
    {
        Launcher = launcher;
        SeccompError = seccompError;
        Unavailable = unavailable;
    }

    /// <summary>The commands of the isolation chosen.</summary>
    public SandboxLauncher Launcher { get; }

    /// <summary>Why the probe ran without the seccomp filter, or null when it was installed.</summary>
    public string? SeccompError { get; }

    /// <summary>For each stronger isolation, why it is not available ("bwrap: not found on PATH").</summary>
    public IReadOnlyList<string> Unavailable { get; }

    /// <summary>The isolation asked for: the option, or for Auto the <see cref="PythonSandboxOptions.IsolationVariable"/> variable.</summary>
    public static SandboxIsolation Requested(PythonSandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Isolation != SandboxIsolation.Auto)
        {
            return options.Isolation;
        }

        var value = Environment.GetEnvironmentVariable(PythonSandboxOptions.IsolationVariable);
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => SandboxIsolation.Auto,
            "bwrap" or "bubblewrap" => SandboxIsolation.Bubblewrap,
            "unshare" => SandboxIsolation.Unshare,
            "none" => SandboxIsolation.None,
            _ => throw new SandboxUnavailableException($"{PythonSandboxOptions.IsolationVariable}={value} is not one of auto, bwrap, unshare, none"),
        };
    }

    /// <summary>The selection for <paramref name="python"/>; probed on first use, then remembered.</summary>
    public static SandboxSelection For(string python, PythonSandboxOptions options)
    {
        var requested = Requested(options);
        var key = $"{python}\n{requested}\n{options.BubblewrapPath}\n{options.UnprivilegedUid}";
        return Cache.GetOrAdd(key, _ => new Lazy<SandboxSelection>(() => Probe(python, requested, options))).Value;
    }

    private static SandboxSelection Probe(string python, SandboxIsolation requested, PythonSandboxOptions options)
    {
        var host = SandboxHost.Current;
        var unavailable = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            throw new SandboxUnavailableException("the code sandbox needs Linux");
        }

        if (host.Prlimit is null)
        {
            throw new SandboxUnavailableException("prlimit (util-linux) was not found on PATH: the sandbox sets every candidate's rlimits with it");
        }

        if (host.IsRoot && host.Setpriv is null)
        {
            throw new SandboxUnavailableException("the worker runs as root and setpriv (util-linux) was not found on PATH: candidates must not run as root");
        }

        var filesystem = new Lazy<SandboxFilesystem>(() => SandboxFilesystem.For(python, Prefixes(python)));
        if (requested is SandboxIsolation.Auto or SandboxIsolation.Bubblewrap)
        {
            var bwrap = options.BubblewrapPath ?? SandboxHost.Find("bwrap");
            if (bwrap is null || !File.Exists(bwrap))
            {
                unavailable.Add(bwrap is null ? "bwrap: not found on PATH (apt-get install bubblewrap)" : $"bwrap: {bwrap} does not exist");
            }
            else
            {
                var help = SandboxHost.Run(bwrap, "--help");
                var disablesUserns = help?.Output.Contains("--disable-userns", StringComparison.Ordinal) == true;
                if (TryProbe(SandboxLauncher.Bubblewrap(host, python, filesystem.Value, bwrap, disablesUserns), options, out var selection, out var why, unavailable))
                {
                    return selection!;
                }

                unavailable.Add($"bwrap ({bwrap}): {why}");
            }
        }

        if (requested is SandboxIsolation.Auto or SandboxIsolation.Unshare)
        {
            var missing = new[] { ("unshare", host.Unshare), ("chroot", host.Chroot), ("env", host.Env), ("sh", host.Shell) }.Where(t => t.Item2 is null).Select(t => t.Item1).ToList();
            if (!host.IsRoot)
            {
                unavailable.Add($"unshare: needs root to create namespaces without a user namespace (the worker runs as uid {host.Uid})");
            }
            else if (missing.Count > 0)
            {
                unavailable.Add($"unshare: {string.Join(", ", missing)} not found on PATH");
            }
            else
            {
                if (TryProbe(SandboxLauncher.Unshare(host, python, filesystem.Value), options, out var selection, out var why, unavailable))
                {
                    return selection!;
                }

                unavailable.Add($"unshare: {why}");
            }
        }

        if (requested == SandboxIsolation.None)
        {
            unavailable.Add($"isolation 'none' was asked for ({PythonSandboxOptions.IsolationVariable} or the sandbox options)");
        }
        else if (requested != SandboxIsolation.Auto)
        {
            throw new SandboxUnavailableException($"the code sandbox's isolation '{requested}' is not available here: {string.Join("; ", unavailable)}");
        }

        var process = SandboxLauncher.Process(host, python);
        return TryProbe(process, options, out var plain, out var failure, unavailable)
            ? plain!
            : throw new SandboxUnavailableException($"the code sandbox cannot run Python ({python}) here: {failure}");
    }

    private static bool TryProbe(SandboxLauncher launcher, PythonSandboxOptions options, out SandboxSelection? selection, out string why, List<string> unavailable)
    {
        var probeOptions = options with { WallTimeout = TimeSpan.FromSeconds(30), PerTestTimeout = TimeSpan.FromSeconds(20) };
        var result = Task.Run(() => SandboxRun.ExecuteAsync(launcher, probeOptions, "x = 6 * 7", ["assert x == 42"], null, CancellationToken.None)).GetAwaiter().GetResult();
        if (result.PassedCount == 1 && result.SandboxError is null)
        {
            selection = new SandboxSelection(launcher, result.SeccompError, unavailable.ToList());
            why = string.Empty;
            return true;
        }

        selection = null;
        var lastLine = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        why = lastLine ?? result.SandboxError ?? result.ProgramError ?? (result.TimedOut ? "timed out" : $"the probe failed (exit {result.ExitCode})");
        return false;
    }

    private static IEnumerable<string> Prefixes(string python)
    {
        var run = SandboxHost.Run(python, "-I", "-S", "-c", "import sys\nfor p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}: print(p)");
        return run is { ExitCode: 0 } ? run.Value.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }
}
