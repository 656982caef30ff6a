using System.Diagnostics;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>What this machine offers the sandbox: who the worker runs as, and where the tools are.</summary>
internal sealed class SandboxHost
{
    private static readonly Lazy<SandboxHost> Shared = new(() => new SandboxHost());

    private SandboxHost()
    {
        IsRoot = OperatingSystem.IsLinux() && SandboxNative.geteuid() == 0;
        Uid = OperatingSystem.IsLinux() ? (int)SandboxNative.geteuid() : -1;
        Setsid = Find("setsid");
        Setpriv = Find("setpriv");
        Prlimit = Find("prlimit");
        Unshare = Find("unshare");
        Chroot = Find("chroot");
        Env = Find("env");
        Shell = File.Exists("/bin/sh") ? "/bin/sh" : Find("sh");
    }

    /// <summary>The facts of this machine, found once.</summary>
    public static SandboxHost Current => Shared.Value;

    /// <summary>Whether the worker runs as root.</summary>
    public bool IsRoot { get; }

    /// <summary>The worker's effective uid.</summary>
    public int Uid { get; }

    /// <summary>util-linux setsid: the harness leads its own process group.</summary>
    public string? Setsid { get; }

    /// <summary>util-linux setpriv: drops root to the unprivileged uid.</summary>
    public string? Setpriv { get; }

    /// <summary>util-linux prlimit: sets the candidate's rlimits before Python starts.</summary>
    public string? Prlimit { get; }

    /// <summary>util-linux unshare.</summary>
    public string? Unshare { get; }

    /// <summary>coreutils chroot.</summary>
    public string? Chroot { get; }

    /// <summary>coreutils env (clears the environment and changes directory inside the chroot).</summary>
    public string? Env { get; }

    /// <summary>A POSIX shell for the unshare launcher's script.</summary>
    public string? Shell { get; }

    /// <summary>The path of <paramref name="name"/> on PATH (or in /usr/bin, /bin, /usr/sbin, /sbin), or null.</summary>
    public static string? Find(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(["/usr/bin", "/bin", "/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a short command and returns its exit code and output (stdout then stderr), or null when it cannot start.</summary>
    public static (int ExitCode, string Output)? Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(10_000))
            {
                p.Kill(entireProcessTree: true);
                return (-1, "timed out");
            }

            return (p.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
