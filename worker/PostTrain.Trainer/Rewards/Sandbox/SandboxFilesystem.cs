namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// The read-only filesystem a candidate sees under bubblewrap or unshare: /usr, the /bin, /sbin and /lib* links or
/// folders, the dynamic loader's configuration, and the interpreter's own installation when it lives outside /usr (a
/// conda or venv Python). Nothing else of the host: no /home, /root, /mnt, /var, /tmp, /proc, no worker folders.
/// </summary>
internal sealed class SandboxFilesystem
{
    private static readonly string[] TopLevel = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
    private static readonly string[] EtcFiles = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime"];

    private SandboxFilesystem(IReadOnlyList<Entry> entries) => Entries = entries;

    /// <summary>The entries, parents before children.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The filesystem for <paramref name="python"/>; <paramref name="prefixes"/> are its sys.prefix and friends.</summary>
    public static SandboxFilesystem For(string python, IEnumerable<string> prefixes)
    {
        var entries = new List<Entry> { new("/usr", EntryKind.Directory, null) };
        foreach (var path in TopLevel)
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                entries.Add(new Entry(path, EntryKind.Symlink, target));
            }
            else if (Directory.Exists(path))
            {
                entries.Add(new Entry(path, EntryKind.Directory, null));
            }
        }

        foreach (var path in EtcFiles)
        {
            if (Directory.Exists(path))
            {
                entries.Add(new Entry(path, EntryKind.Directory, null));
            }
            else if (File.Exists(path))
            {
                entries.Add(new Entry(path, EntryKind.File, null));
            }
        }

        var interpreter = Path.GetFullPath(python);
        var resolved = new FileInfo(interpreter).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? interpreter;
        foreach (var dir in prefixes.Append(Path.GetDirectoryName(interpreter)!).Append(Path.GetDirectoryName(resolved)!))
        {
            var full = Path.GetFullPath(dir);
            if (Directory.Exists(full) && !entries.Any(e => e.Kind == EntryKind.Directory && Covers(e.Path, full)))
            {
                entries.RemoveAll(e => e.Kind == EntryKind.Directory && Covers(full, e.Path) && e.Path != "/usr");
                entries.Add(new Entry(full, EntryKind.Directory, null));
            }
        }

        return new SandboxFilesystem(entries);
    }

    private static bool Covers(string parent, string path) =>
        path == parent || path.StartsWith(parent.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>One path of the sandbox's filesystem.</summary>
    /// <param name="Path">The path, the same inside and outside.</param>
    /// <param name="Kind">Folder or file (bound read-only), or symbolic link (recreated).</param>
    /// <param name="Target">The link's target.</param>
    public sealed record Entry(string Path, EntryKind Kind, string? Target);

    /// <summary>How an entry appears in the sandbox.</summary>
    public enum EntryKind
    {
        /// <summary>A folder, bound read-only.</summary>
        Directory,

        /// <summary>A file, bound read-only.</summary>
        File,

        /// <summary>A symbolic link, recreated with the same target.</summary>
        Symlink,
    }
}
