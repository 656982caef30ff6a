using System.Globalization;

namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// The commands that start one sandbox run for one <see cref="SandboxIsolation"/>: the harness (trusted; outside the
/// isolation, as the unprivileged uid when the worker is root, except under unshare which needs root to set up) and,
/// started by the harness, the candidate process inside the isolation. Every limit is set before the candidate's
/// interpreter starts: rlimits by prlimit(1), the filesystem and namespaces by bwrap or unshare.
/// </summary>
internal sealed class SandboxLauncher
{
    /// <summary>Where the candidate's scratch tmpfs is mounted under bubblewrap and unshare.</summary>
    public const string ScratchMount = "/work";

    /// <summary>
    /// The unshare launcher's script, run by /bin/sh as root in the new mount namespace. Arguments: the scratch size
    /// in bytes, the uid, the read-only paths (each "d:PATH", "f:PATH" or "l:PATH:TARGET"), "--", then the command.
    /// It builds a tmpfs root holding only those paths, a few device nodes and the scratch tmpfs, makes the root
    /// read-only, chroots into it and drops to the uid with no capabilities left.
    /// </summary>
    private const string UnshareScript = """
        set -eu
        size=$1; uid=$2; shift 2
        mount -t tmpfs -o size=1m,mode=0755 posttrain-root /tmp
        cd /tmp
        while [ "$1" != "--" ]; do
          kind=${1%%:*}; rest=${1#*:}; shift
          case $kind in
            d) mkdir -p ".$rest"; mount --rbind "$rest" ".$rest"; mount -o remount,bind,ro ".$rest" ;;
            f) mkdir -p ".$(dirname "$rest")"; : > ".$rest"; mount --bind "$rest" ".$rest"; mount -o remount,bind,ro ".$rest" ;;
            l) path=${rest%%:*}; mkdir -p ".$(dirname "$path")"; ln -s "${rest#*:}" ".$path" ;;
          esac
        done
        shift
        mkdir -p dev work
        for d in null zero full random urandom; do : > "dev/$d"; mount --bind "/dev/$d" "dev/$d"; done
        mount -t tmpfs -o "size=$size,mode=0700,uid=$uid,gid=$uid" posttrain-work work
        ln -s work tmp
        mount -o remount,ro /tmp
        exec chroot /tmp "$@"
        """;

    private readonly SandboxHost _host;
    private readonly string _python;
    private readonly SandboxFilesystem? _filesystem;
    private readonly string? _bwrap;
    private readonly bool _bwrapDisablesUserns;

    private SandboxLauncher(SandboxIsolation isolation, SandboxHost host, string python, SandboxFilesystem? filesystem, string? bwrap, bool bwrapDisablesUserns)
    {
        Isolation = isolation;
        _host = host;
        _python = python;
        _filesystem = filesystem;
        _bwrap = bwrap;
        _bwrapDisablesUserns = bwrapDisablesUserns;
    }

    /// <summary>The isolation these commands give.</summary>
    public SandboxIsolation Isolation { get; }

    /// <summary>Whether a run needs a scratch folder on the host (only without isolation: the others mount a tmpfs).</summary>
    public bool NeedsHostScratch => Isolation == SandboxIsolation.None;

    /// <summary>Whether the harness drops from root to the unprivileged uid.</summary>
    public bool HarnessDropsRoot => _host.IsRoot && Isolation != SandboxIsolation.Unshare;

    /// <summary>Commands for bubblewrap.</summary>
    public static SandboxLauncher Bubblewrap(SandboxHost host, string python, SandboxFilesystem filesystem, string bwrap, bool disablesUserns) =>
        new(SandboxIsolation.Bubblewrap, host, python, filesystem, bwrap, disablesUserns);

    /// <summary>Commands for unshare and chroot (root only).</summary>
    public static SandboxLauncher Unshare(SandboxHost host, string python, SandboxFilesystem filesystem) =>
        new(SandboxIsolation.Unshare, host, python, filesystem, null, false);

    /// <summary>Commands for a plain process (no kernel isolation).</summary>
    public static SandboxLauncher Process(SandboxHost host, string python) =>
        new(SandboxIsolation.None, host, python, null, null, false);

    /// <summary>The command that starts the harness.</summary>
    public IReadOnlyList<string> Harness(PythonSandboxOptions options)
    {
        var argv = new List<string>();
        if (_host.Setsid is { } setsid)
        {
            argv.Add(setsid);
        }

        if (HarnessDropsRoot)
        {
            argv.AddRange(Drop(options.UnprivilegedUid));
        }

        argv.AddRange([_python, "-I", "-S", "-B", "-c", SandboxScripts.Harness]);
        return argv;
    }

    /// <summary>The command, environment and working directory of the candidate process, as the harness starts it.</summary>
    public (IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment, string? WorkingDirectory) Candidate(PythonSandboxOptions options, string? hostScratch)
    {
        var python = new List<string>();
        python.AddRange(Limits(options));
        python.AddRange([_python, "-I", "-S", "-B", "-u", "-c", SandboxScripts.Runner]);
        var home = Isolation == SandboxIsolation.None ? hostScratch! : ScratchMount;
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = home,
            ["TMPDIR"] = home,
            ["LANG"] = "C.UTF-8",
            ["PYTHONIOENCODING"] = "utf-8",
        };
        switch (Isolation)
        {
            case SandboxIsolation.Bubblewrap:
                return (BubblewrapArgs(options, environment).Concat(python).ToList(), new Dictionary<string, string>(), null);
            case SandboxIsolation.Unshare:
                var argv = new List<string>
                {
                    _host.Unshare!, "--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc", "--uts", "--propagation", "private", "--",
                    _host.Shell!, "-c", UnshareScript, "posttrain-sandbox",
                    options.ScratchBytes.ToString(CultureInfo.InvariantCulture), options.UnprivilegedUid.ToString(CultureInfo.InvariantCulture),
                };
                argv.AddRange(_filesystem!.Entries.Select(e => e.Kind switch
                {
                    SandboxFilesystem.EntryKind.Directory => "d:" + e.Path,
                    SandboxFilesystem.EntryKind.File => "f:" + e.Path,
                    _ => $"l:{e.Path}:{e.Target}",
                }));
                argv.Add("--");
                argv.AddRange([_host.Env!, "-i", "-C", ScratchMount]);
                argv.AddRange(environment.Select(kv => $"{kv.Key}={kv.Value}"));
                argv.AddRange(Drop(options.UnprivilegedUid));
                argv.AddRange(python);
                return (argv, new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" }, null);
            default:
                return (python, environment, hostScratch);
        }
    }

    /// <summary>One line for logs: what isolates a candidate.</summary>
    public string Describe(PythonSandboxOptions options, string? seccomp)
    {
        var limits = $"rlimits: address space {options.MemoryBytes >> 20} MiB, CPU {options.CpuSeconds} s, file size {options.MaxFileBytes >> 20} MiB, "
            + $"{options.MaxProcesses} processes, {options.MaxOpenFiles} open files, no core dumps";
        var filter = seccomp is null ? "seccomp filter (no sockets, ptrace, namespaces, io_uring, bpf, mounts)" : $"NO seccomp filter ({seccomp})";
        var uid = _host.IsRoot ? $"uid {options.UnprivilegedUid}" : $"the worker's uid {_host.Uid}";
        return Isolation switch
        {
            SandboxIsolation.Bubblewrap => $"bubblewrap ({_bwrap}): new user, pid, network, ipc, uts and cgroup namespaces; read-only /usr and interpreter, "
                + $"no /proc, no host folders; {options.ScratchBytes >> 20} MiB tmpfs scratch; uid {options.UnprivilegedUid} inside ({uid} outside); {filter}; {limits}",
            SandboxIsolation.Unshare => "unshare as root: new pid, network, ipc, uts and mount namespaces; chroot into read-only /usr and interpreter, no /proc, "
                + $"no host folders; {options.ScratchBytes >> 20} MiB tmpfs scratch; uid {options.UnprivilegedUid}, no capabilities; {filter}; {limits}",
            _ => $"NO kernel isolation: a plain process as {uid}, own process group, scrubbed environment, fresh folder on the host (size not capped), "
                + $"the host's network namespace and filesystem; {filter}; {limits}",
        };
    }

    private IEnumerable<string> Drop(int uid)
    {
        var id = uid.ToString(CultureInfo.InvariantCulture);
        var argv = new List<string> { _host.Setpriv!, $"--reuid={id}", $"--regid={id}", "--clear-groups" };
        if (Isolation == SandboxIsolation.Unshare)
        {
            argv.AddRange(["--inh-caps=-all", "--bounding-set=-all"]);
        }

        argv.Add("--");
        return argv;
    }

    private IEnumerable<string> Limits(PythonSandboxOptions o) =>
    [
        _host.Prlimit!,
        $"--as={o.MemoryBytes}", $"--cpu={o.CpuSeconds}", $"--fsize={o.MaxFileBytes}", $"--nproc={o.MaxProcesses}",
        $"--nofile={o.MaxOpenFiles}", "--core=0", "--",
    ];

    private List<string> BubblewrapArgs(PythonSandboxOptions options, IReadOnlyDictionary<string, string> environment)
    {
        var id = options.UnprivilegedUid.ToString(CultureInfo.InvariantCulture);
        var argv = new List<string>
        {
            _bwrap!, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--uid", id, "--gid", id,
        };
        if (_bwrapDisablesUserns)
        {
            argv.Add("--disable-userns");
        }

        foreach (var e in _filesystem!.Entries)
        {
            argv.AddRange(e.Kind switch
            {
                SandboxFilesystem.EntryKind.Symlink => ["--symlink", e.Target!, e.Path],
                _ => ["--ro-bind", e.Path, e.Path],
            });
        }

        argv.AddRange(["--dev", "/dev", "--size", options.ScratchBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", ScratchMount]);
        argv.AddRange(["--symlink", ScratchMount, "/tmp", "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", ScratchMount, "--clearenv"]);
        foreach (var (key, value) in environment)
        {
            argv.AddRange(["--setenv", key, value]);
        }

        argv.Add("--");
        return argv;
    }
}
