using System.Diagnostics;
using System.Globalization;

namespace PostTrain.NodeAgent.Processes;

/// <summary>
/// One container's process: started through <c>/bin/sh</c>, which execs <c>setsid</c> (a new session and process
/// group, so the whole tree can be killed as a container's cgroup would be) and then the command, with stdin from
/// /dev/null and stdout and stderr appended to the log file by the process itself. The pid file records the pid and
/// its start time so a restarted agent can kill what a crashed one left behind.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private static readonly bool HasSetsid = FindOnPath("setsid", Environment.GetEnvironmentVariable("PATH")) is not null;
    private readonly Process _process;

    private ContainerProcess(Process process, Task<int> exited)
    {
        _process = process;
        Pid = process.Id;
        Exited = exited;
    }

    /// <summary>The process id (also its process group id when setsid is available).</summary>
    public int Pid { get; }

    /// <summary>Completes with the exit code when the process ends (128 + N when signal N killed it).</summary>
    public Task<int> Exited { get; }

    /// <summary>Starts <paramref name="argv"/> in <paramref name="workingDirectory"/> with the host's environment plus <paramref name="environment"/>.</summary>
    public static ContainerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, string workingDirectory, string logFile, string pidFile)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(HasSetsid ? "exec setsid \"$@\" </dev/null >>\"$0\" 2>&1" : "exec \"$@\" </dev/null >>\"$0\" 2>&1");
        start.ArgumentList.Add(logFile);
        foreach (var arg in argv)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        File.WriteAllText(pidFile, string.Create(CultureInfo.InvariantCulture, $"{process.Id} {StartTime(process.Id)}\n"));
        return new ContainerProcess(process, WaitAsync(process));
    }

    /// <summary>Sends SIGTERM to the container's main process (what a kubelet's runtime does first).</summary>
    public void Terminate() => PosixSignals.Send(Pid, PosixSignals.Terminate);

    /// <summary>Sends SIGKILL to the main process and everything in its process group.</summary>
    public void KillAll()
    {
        if (HasSetsid)
        {
            PosixSignals.SendToGroup(Pid, PosixSignals.Kill);
        }

        PosixSignals.Send(Pid, PosixSignals.Kill);
    }

    /// <summary>
    /// Kills what is left of the process group once the main process has ended (a container's processes end with it).
    /// </summary>
    public void KillLeftovers()
    {
        if (HasSetsid)
        {
            PosixSignals.SendToGroup(Pid, PosixSignals.Kill);
        }
    }

    /// <summary>The start time of a process in clock ticks since boot (/proc/PID/stat field 22), or null.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The full path of <paramref name="command"/> through <paramref name="path"/> (a PATH value), or null.</summary>
    public static string? FindOnPath(string command, string? path)
    {
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(command) ? command : null;
        }

        foreach (var directory in (path ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<int> WaitAsync(Process process)
    {
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <inheritdoc />
    public void Dispose() => _process.Dispose();
}
