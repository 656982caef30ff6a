using System.Globalization;

namespace PostTrain.NodeAgent.Processes;

/// <summary>
/// Kills the container processes an earlier agent left running (it crashed, or was killed with SIGKILL): every pid
/// file under the data directory whose process still runs with the recorded start time is killed with its group.
/// A node's containers do not outlive its kubelet here, since nothing else could report them.
/// </summary>
internal static class OrphanProcesses
{
    /// <summary>The name of a container's pid file.</summary>
    public const string PidFileName = "pid";

    /// <summary>Kills every orphan found under <paramref name="podsDirectory"/>; returns how many.</summary>
    public static int KillAll(string podsDirectory)
    {
        if (!Directory.Exists(podsDirectory))
        {
            return 0;
        }

        var killed = 0;
        foreach (var file in Directory.EnumerateFiles(podsDirectory, PidFileName, SearchOption.AllDirectories))
        {
            var parts = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
                && ContainerProcess.StartTime(pid) == started)
            {
                PosixSignals.SendToGroup(pid, PosixSignals.Kill);
                PosixSignals.Send(pid, PosixSignals.Kill);
                killed++;
            }

            File.Delete(file);
        }

        return killed;
    }
}
