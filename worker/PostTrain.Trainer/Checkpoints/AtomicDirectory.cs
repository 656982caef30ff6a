namespace PostTrain.Trainer.Checkpoints;

/// <summary>
/// Writes a directory under a temporary sibling name, flushes it to storage, and renames it into place (then flushes
/// the parent's entry), so a reader, or a machine after a power loss, sees either the old directory or the complete
/// new one, never half of one.
/// </summary>
public static class AtomicDirectory
{
    /// <summary>The prefix of temporary siblings; readers that list checkpoints skip names starting with it.</summary>
    public const string TemporaryPrefix = ".tmp-";

    /// <summary>
    /// Runs <paramref name="write"/> on an empty temporary directory beside <paramref name="target"/>, then replaces
    /// <paramref name="target"/> with it. When <paramref name="write"/> throws, the temporary directory is removed and
    /// the existing target is left untouched.
    /// </summary>
    public static void Write(string target, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{target} has no parent directory", nameof(target));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        var temporary = Path.Combine(parent, $"{TemporaryPrefix}{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            write(temporary);
            Durability.SyncTree(temporary);
        }
        catch
        {
            Directory.Delete(temporary, recursive: true);
            throw;
        }

        if (Directory.Exists(full))
        {
            var old = Path.Combine(parent, $"{TemporaryPrefix}{name}-old-{Guid.NewGuid():N}");
            Directory.Move(full, old);
            Directory.Move(temporary, full);
            Directory.Delete(old, recursive: true);
        }
        else
        {
            Directory.Move(temporary, full);
        }

        Durability.SyncDirectory(parent);
    }
}
