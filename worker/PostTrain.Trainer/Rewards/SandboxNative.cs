using System.Runtime.InteropServices;

namespace PostTrain.Trainer.Rewards;

/// <summary>The few libc calls the sandbox needs that .NET does not expose (DllImport: the project does not allow unsafe code).</summary>
internal static class SandboxNative
{
    public const int SIGKILL = 9;

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int sig);

    [DllImport("libc")]
    public static extern uint geteuid();

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    public static extern int chown(string path, int owner, int group);
}
