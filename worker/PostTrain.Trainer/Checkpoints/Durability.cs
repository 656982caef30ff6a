using System.Runtime.InteropServices;

namespace PostTrain.Trainer.Checkpoints;

/// <summary>
/// fsync for files and directories, so a checkpoint reported as saved survives a power loss: the files' data, the
/// directory holding them, and, after the rename that publishes it, the parent directory's entry. .NET flushes
/// files (<see cref="FileStream.Flush(bool)"/>) but cannot open a directory, so directories go through libc.
/// </summary>
public static partial class Durability
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux
    private const int CloseOnExec = 0x80000; // O_CLOEXEC on Linux

    /// <summary>Flushes every file under <paramref name="directory"/> to storage, then each directory, deepest first.</summary>
    public static void SyncTree(string directory)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            SyncFile(file);
        }

        foreach (var sub in System.IO.Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            SyncDirectory(sub);
        }

        SyncDirectory(directory);
    }

    /// <summary>Flushes one file's data and metadata to storage.</summary>
    public static void SyncFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a directory's entries (names created, renamed or removed in it) to storage; a no-op off Linux.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(path, ReadOnly | Directory | CloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open the directory to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != 22) // EINVAL: the file system does not sync directories (some network file systems)
                {
                    throw new IOException($"{path}: fsync of the directory failed (errno {errno})");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
