namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>How the code sandbox separates a candidate program from the worker (docs/data-and-rewards.md, "The code sandbox").</summary>
public enum SandboxIsolation
{
    /// <summary>The strongest this machine offers: <see cref="Bubblewrap"/>, else <see cref="Unshare"/>, else none.</summary>
    Auto,

    /// <summary>
    /// bubblewrap (<c>bwrap</c>): new user, pid, network, ipc, uts and cgroup namespaces, a read-only minimal filesystem
    /// without /proc, a size-capped tmpfs as the working directory, another uid.
    /// </summary>
    Bubblewrap,

    /// <summary>
    /// util-linux <c>unshare</c> as root (where bwrap is missing or refused): new pid, network, ipc, uts and mount
    /// namespaces, a chroot into the same minimal read-only filesystem, a size-capped tmpfs, uid 65534.
    /// </summary>
    Unshare,

    /// <summary>
    /// No kernel isolation: a plain process with rlimits, a seccomp filter and its own process group. Refused unless
    /// the job allows unisolated code, or the sandbox itself runs in a container of its own (the cluster's sidecar).
    /// </summary>
    None,
}
