using System.Runtime.InteropServices;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>The few libc calls the sandbox needs that .NET does not expose.</summary>
internal static partial class SandboxNative
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int PR_SET_DUMPABLE = 4;
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int WNOHANG = 1;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);
}
