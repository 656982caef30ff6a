using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// One sandbox run: starts the harness in its own process group, gives it the job on stdin, reads its verdicts from
/// stdout (lines that start with a nonce only the harness knows) and the candidate's output from stderr, and kills
/// everything at the wall-clock limit.
/// </summary>
internal static class SandboxRun
{
    private const int MaxLineBytes = 8192;

    /// <summary>The harness processes running now; starting one and <see cref="ChildrenOtherThanHarnesses"/> exclude each other.</summary>
    private static readonly HashSet<int> Harnesses = [];

    /// <summary>How long the output pipes may stay open after the harness has gone (only a process that escaped the isolation-less mode can hold them).</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long a harness told to stop (SIGTERM) has to kill what its run started before it gets SIGKILL.</summary>
    private static readonly TimeSpan TermGrace = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="code"/> and <paramref name="tests"/> with <paramref name="launcher"/>.</summary>
    public static async Task<SandboxResult> ExecuteAsync(SandboxLauncher launcher, PythonSandboxOptions options, string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        string? scratch = null;
        if (launcher.NeedsHostScratch)
        {
            scratch = Directory.CreateTempSubdirectory("posttrain-sandbox-").FullName;
            if (launcher.HarnessDropsRoot)
            {
                _ = SandboxNative.chown(scratch, options.UnprivilegedUid, options.UnprivilegedUid);
            }
        }

        try
        {
            return await RunAsync(launcher, options, scratch, code, tests, setupCode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (scratch is not null)
            {
                TryDelete(scratch);
            }
        }
    }

    private static async Task<SandboxResult> RunAsync(SandboxLauncher launcher, PythonSandboxOptions options, string? scratch, string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var argv = launcher.Harness(options);
        var psi = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        // Nothing of the worker's environment (HF_TOKEN, cloud credentials) reaches the harness or the candidate.
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
        psi.Environment["LANG"] = "C.UTF-8";
        using var process = new Process { StartInfo = psi };
        lock (Harnesses)
        {
            process.Start();
            Harnesses.Add(process.Id);
        }

        try
        {
            return await WatchAsync(process, launcher, options, scratch, nonce, code, tests, setupCode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (Harnesses)
            {
                Harnesses.Remove(process.Id);
            }
        }
    }

    /// <summary>
    /// The processes whose parent is this one and that are not harnesses: in a subreaper (the sandbox server), the
    /// candidates' descendants that escaped their process group and were reparented here when their parents died.
    /// </summary>
    public static IReadOnlyList<int> ChildrenOtherThanHarnesses()
    {
        var self = Environment.ProcessId;
        var found = new List<int>();
        lock (Harnesses)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) || Harnesses.Contains(pid))
                {
                    continue;
                }

                try
                {
                    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    if (fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out var ppid) && ppid == self)
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Gone meanwhile.
                }
            }
        }

        return found;
    }

    private static async Task<SandboxResult> WatchAsync(Process process, SandboxLauncher launcher, PythonSandboxOptions options, string? scratch, string nonce, string code, IReadOnlyList<string> tests, string? setupCode, CancellationToken cancellationToken)
    {
        var reports = new SandboxOutputReader(process.StandardOutput.BaseStream, nonce, 4096, MaxLineBytes);
        var output = new SandboxOutputReader(process.StandardError.BaseStream, null, options.MaxOutputBytes, MaxLineBytes);
        var readers = Task.WhenAll(reports.RunAsync(), output.RunAsync());
        var timedOut = false;
        var exited = false;
        try
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(Payload(launcher, options, scratch, nonce, code, tests, setupCode), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The harness died before reading its job; its exit is reported below.
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.WallTimeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                exited = true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
            }
        }
        finally
        {
            if (!exited)
            {
                await StopAsync(process, reports).ConfigureAwait(false);
            }
            else if (launcher.Isolation == SandboxIsolation.None)
            {
                // A candidate running as the harness's uid may have killed the harness: its groups die anyway.
                KillCandidateGroups(reports);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
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
            await readers.WaitAsync(DrainGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Without isolation a descendant that left its process group can hold the output pipe; keep what was read.
        }

        return Parse(reports, output, tests.Count, timedOut, timedOut || !process.HasExited ? -1 : process.ExitCode);
    }

    private static SandboxResult Parse(SandboxOutputReader reports, SandboxOutputReader output, int testCount, bool timedOut, int exitCode)
    {
        var passed = new bool[testCount];
        var errors = new string?[testCount];
        string? programError = null, sandboxError = null, seccompError = null;
        var completed = false;
        foreach (var line in reports.HarnessLines)
        {
            var parts = line.Split(' ', 3);
            var rest = line.Length > parts[0].Length ? line[(parts[0].Length + 1)..] : string.Empty;
            switch (parts[0])
            {
                case "PASS" when parts.Length >= 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var i) && i >= 0 && i < passed.Length:
                    passed[i] = true;
                    break;
                case "FAIL" when parts.Length >= 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var j) && j >= 0 && j < passed.Length:
                    errors[j] = parts.Length > 2 ? parts[2] : "error";
                    break;
                case "PROGRAM":
                    programError = rest.Length > 0 ? rest : "error";
                    break;
                case "SANDBOX":
                    sandboxError = rest.Length > 0 ? rest : "the sandbox failed";
                    break;
                case "SECCOMP":
                    seccompError = rest;
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
            SandboxError = sandboxError,
            SeccompError = seccompError,
            TimedOut = timedOut,
            Completed = completed && !timedOut,
            ExitCode = exitCode,
            Output = output.Visible + reports.Visible.Trim('\n'),
        };
    }

    /// <summary>The harness's job as JSON, written by hand (no reflection: the worker is published trimmed).</summary>
    private static byte[] Payload(SandboxLauncher launcher, PythonSandboxOptions options, string? scratch, string nonce, string code, IReadOnlyList<string> tests, string? setupCode)
    {
        var (argv, environment, workingDirectory) = launcher.Candidate(options, scratch);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("nonce", nonce);
            w.WriteString("program", code);
            w.WriteString("setup", setupCode ?? string.Empty);
            w.WriteNumber("test_timeout", options.PerTestTimeout is { } perTest ? Math.Max(perTest.TotalSeconds, 0.001) : 0);
            w.WriteNumber("max_reply_bytes", options.MaxValueBytes);
            w.WriteStartArray("tests");
            foreach (var t in tests)
            {
                w.WriteStringValue(t);
            }

            w.WriteEndArray();
            w.WriteStartArray("argv");
            foreach (var a in argv)
            {
                w.WriteStringValue(a);
            }

            w.WriteEndArray();
            w.WriteStartObject("env");
            foreach (var (key, value) in environment)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            if (workingDirectory is not null)
            {
                w.WriteString("cwd", workingDirectory);
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Stops a run that is still going: SIGTERM first, on which the harness kills and reaps every process the run
    /// started (it is their subreaper), then after <see cref="TermGrace"/> SIGKILL for whatever is left.
    /// </summary>
    private static async Task StopAsync(Process process, SandboxOutputReader reports)
    {
        if (OperatingSystem.IsLinux() && SandboxNative.kill(process.Id, SandboxNative.SIGTERM) == 0)
        {
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TermGrace, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Stuck (in C code, or its handler is slow): SIGKILL below.
            }
        }

        Kill(process, reports);
    }

    private static void KillCandidateGroups(SandboxOutputReader reports)
    {
        foreach (var line in reports.HarnessLines)
        {
            if (line.StartsWith("PGID ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(5), CultureInfo.InvariantCulture, out var pgid) && pgid > 1)
            {
                _ = SandboxNative.kill(-pgid, SandboxNative.SIGKILL);
            }
        }
    }

    private static void Kill(Process process, SandboxOutputReader reports)
    {
        try
        {
            // The harness leads its own process group (setsid). Its candidate processes lead the groups it named: under
            // unshare that group holds the namespace's first process (whose parent-death signal the uid change cleared),
            // and its death ends the namespace; under bwrap --die-with-parent does the same; without isolation the
            // candidate's own children are in it.
            if (SandboxHost.Current.Setsid is not null && OperatingSystem.IsLinux())
            {
                _ = SandboxNative.kill(-process.Id, SandboxNative.SIGKILL);
            }

            KillCandidateGroups(reports);

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
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    }
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
