using System.Runtime.InteropServices;

namespace PostTrain.NodeAgent.Processes;

/// <summary>
/// Signals to processes and process groups through libc's <c>kill</c>: .NET's Process.Kill only sends SIGKILL,
/// and a kubelet first sends SIGTERM.
/// </summary>
internal static partial class PosixSignals
{
    /// <summary>SIGKILL.</summary>
    public const int Kill = 9;

    /// <summary>SIGTERM.</summary>
    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to a process; false when it no longer exists.</summary>
    public static bool Send(int pid, int signal) => pid > 0 && SendRaw(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process of the group led by <paramref name="groupLeader"/>.</summary>
    public static bool SendToGroup(int groupLeader, int signal) => groupLeader > 0 && SendRaw(-groupLeader, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendRaw(int pid, int signal);
}
