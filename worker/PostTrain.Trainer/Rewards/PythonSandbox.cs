using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Runs untrusted Python (a model's program plus an item's tests) in a separate process: its own session and process
/// group (killed as a whole at the wall-clock limit), rlimits on memory, CPU, file size and processes, a fresh temporary
/// working directory (deleted afterwards), an empty environment, no stdin, truncated output, an audit hook that refuses
/// writes outside the working directory and process, socket and ctypes use; when the worker is root the code runs as
/// nobody, and when the machine allows it in an empty network namespace. docs/data-and-rewards.md says what this does
/// and does not guarantee.
/// </summary>
public sealed class PythonSandbox
{
    private const int MaxLineBytes = 8192;
    private static readonly Lazy<bool> IsRoot = new(() => OperatingSystem.IsLinux() && SandboxNative.geteuid() == 0);
    private static readonly Lazy<string?> SetsidPath = new(() => FindOnPath("setsid"));
    private static readonly Lazy<string?> SetprivPath = new(() => FindOnPath("setpriv"));
    private static readonly Lazy<string[]?> UnshareNet = new(ProbeUnshare);
    private readonly string _python;

    /// <summary>Creates a sandbox; throws <see cref="FileNotFoundException"/> when no Python 3 interpreter is found.</summary>
    public PythonSandbox(PythonSandboxOptions? options = null)
    {
        Options = options ?? new PythonSandboxOptions();
        _python = Options.PythonPath ?? FindPython()
            ?? throw new FileNotFoundException("no Python 3 interpreter for the code sandbox: install python3 (/usr/bin/python3) or set PythonPath");
        if (!File.Exists(_python))
        {
            throw new FileNotFoundException($"code sandbox interpreter {_python} does not exist", _python);
        }
    }

    /// <summary>The limits in force.</summary>
    public PythonSandboxOptions Options { get; }

    /// <summary>The interpreter used.</summary>
    public string PythonPath => _python;

    /// <summary>Whether runs happen in an empty network namespace on this machine.</summary>
    public bool NetworkIsolated => Options.IsolateNetwork && UnshareNet.Value is not null;

    /// <summary>Whether runs drop from root to <see cref="PythonSandboxOptions.UnprivilegedUid"/> on this machine.</summary>
    public bool DropsPrivileges => IsRoot.Value && Options.UnprivilegedUid is not null && SetprivPath.Value is not null;

    /// <summary>/usr/bin/python3 if present, else the first python3 on PATH, else null.</summary>
    public static string? FindPython() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : FindOnPath("python3");

    /// <summary>Runs <paramref name="code"/>, then each of <paramref name="tests"/>, and reports which tests passed.</summary>
    public async Task<SandboxResult> RunAsync(string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tests);
        var workDir = Directory.CreateTempSubdirectory("posttrain-sandbox-").FullName;
        try
        {
            if (DropsPrivileges)
            {
                _ = SandboxNative.chown(workDir, Options.UnprivilegedUid!.Value, Options.UnprivilegedUid.Value);
            }

            return await RunInAsync(workDir, code, tests, setupCode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            TryDelete(workDir);
        }
    }

    private async Task<SandboxResult> RunInAsync(string workDir, string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var psi = BuildStartInfo(workDir);
        using var process = new Process { StartInfo = psi };
        process.Start();
        var outputReader = new SandboxOutputReader(process.StandardOutput.BaseStream, nonce, Options.MaxOutputBytes, MaxLineBytes);
        var errorReader = new SandboxOutputReader(process.StandardError.BaseStream, null, Options.MaxOutputBytes, MaxLineBytes);
        var readers = Task.WhenAll(outputReader.RunAsync(), errorReader.RunAsync());
        var timedOut = false;
        try
        {
            var payload = Payload(nonce, code, tests, setupCode);
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The interpreter died before reading its job; its exit is reported below.
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Options.WallTimeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
            }
        }
        finally
        {
            // Kill the whole group: the interpreter and anything it may have started.
            KillGroup(process);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var exited = true;
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // SIGKILL was sent; a process stuck in uninterruptible I/O is left to the kernel.
            exited = false;
        }

        try
        {
            await readers.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A descendant that escaped the group holds the pipe open; keep what was read.
        }

        var passed = new bool[tests.Count];
        var errors = new string?[tests.Count];
        string? programError = null;
        var completed = false;
        foreach (var line in outputReader.HarnessLines)
        {
            var parts = line.Split(' ', 3);
            switch (parts[0])
            {
                case "PASS" when parts.Length >= 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var i) && i >= 0 && i < passed.Length:
                    passed[i] = true;
                    break;
                case "FAIL" when parts.Length >= 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var j) && j >= 0 && j < passed.Length:
                    errors[j] = parts.Length > 2 ? parts[2] : "error";
                    break;
                case "PROGRAM":
                    programError = parts.Length > 1 ? string.Join(' ', parts[1..]) : "error";
                    break;
                case "DONE":
                    completed = true;
                    break;
            }
        }

        return new SandboxResult
        {
            TestPassed = passed,
            TestErrors = errors,
            ProgramError = programError,
            TimedOut = timedOut,
            Completed = completed && !timedOut,
            ExitCode = timedOut || !exited ? -1 : process.ExitCode,
            Stdout = outputReader.Visible,
            Stderr = errorReader.Visible,
        };
    }

    /// <summary>The harness's job as JSON, written by hand (no reflection: the worker is published trimmed).</summary>
    private byte[] Payload(string nonce, string code, IReadOnlyList<string> tests, string? setupCode)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("nonce", nonce);
            w.WriteString("code", code);
            w.WriteString("setup", setupCode ?? string.Empty);
            w.WriteBoolean("hook", Options.InstallAuditHook);
            w.WriteNumber("test_timeout", Options.PerTestTimeout is { } perTest ? Math.Max(perTest.TotalSeconds, 0.001) : 0);
            w.WriteStartArray("tests");
            foreach (var t in tests)
            {
                w.WriteStringValue(t);
            }

            w.WriteEndArray();
            w.WriteStartObject("limits");
            w.WriteNumber("as", Options.MemoryBytes);
            w.WriteNumber("cpu", Options.CpuSeconds);
            w.WriteNumber("fsize", Options.MaxFileBytes);
            w.WriteNumber("nproc", Options.MaxProcesses);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    private ProcessStartInfo BuildStartInfo(string workDir)
    {
        var argv = new List<string>();
        if (SetsidPath.Value is { } setsid)
        {
            argv.Add(setsid);
        }

        if (Options.IsolateNetwork && UnshareNet.Value is { } unshare)
        {
            argv.AddRange(unshare);
        }

        if (DropsPrivileges)
        {
            var id = Options.UnprivilegedUid!.Value.ToString(CultureInfo.InvariantCulture);
            argv.AddRange([SetprivPath.Value!, $"--reuid={id}", $"--regid={id}", "--clear-groups", "--"]);
        }

        argv.AddRange([_python, "-I", "-B", "-c", SandboxHarness.Script]);
        var psi = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDir,
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        // A scrubbed environment: nothing of the worker's (HF_TOKEN, cloud credentials) reaches the code.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        psi.Environment["HOME"] = workDir;
        psi.Environment["TMPDIR"] = workDir;
        psi.Environment["LANG"] = "C.UTF-8";
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        return psi;
    }

    private static void KillGroup(Process process)
    {
        try
        {
            if (SetsidPath.Value is not null && OperatingSystem.IsLinux())
            {
                _ = SandboxNative.kill(-process.Id, SandboxNative.SIGKILL);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string[]? ProbeUnshare()
    {
        var unshare = FindOnPath("unshare");
        if (unshare is null || !OperatingSystem.IsLinux())
        {
            return null;
        }

        string[][] candidates = IsRoot.Value
            ? [[unshare, "--net", "--"]]
            : [[unshare, "--user", "--map-current-user", "--net", "--"], [unshare, "--user", "--net", "--"]];
        foreach (var candidate in candidates)
        {
            try
            {
                var psi = new ProcessStartInfo(candidate[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in candidate.Skip(1))
                {
                    psi.ArgumentList.Add(a);
                }

                psi.ArgumentList.Add("/bin/true");
                using var p = Process.Start(psi)!;
                if (p.WaitForExit(5000) && p.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }

        return null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/bin", "/bin", "/usr/sbin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Make everything writable (the code may have chmod-ed its files) and try once more.
            try
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Prepend(dir))
                {
                    if (OperatingSystem.IsWindows())
                    {
                        break;
                    }

                    File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                Directory.Delete(dir, recursive: true);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                Trace.TraceWarning($"code sandbox: could not delete {dir}: {again.Message}");
            }
        }
    }
}
