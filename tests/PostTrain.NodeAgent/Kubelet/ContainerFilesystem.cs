using k8s.Models;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// What a container sees as its filesystem, made of host paths: processes cannot have mounts, so each volumeMount
/// becomes a symlink <c>{root}/{mountPath}</c> → the volume's folder (or its subPath), and the terminationMessagePath
/// a real file under the root. Command, args and env values that start with a mount path (or the termination path)
/// are translated to the same path under the root; nothing else is (paths inside files, or in the middle of a
/// value, stay as written).
/// </summary>
internal sealed class ContainerFilesystem
{
    /// <summary>Where PersistentVolumeClaims are conventionally mounted in PostTrain pods (<c>/mnt/pvc/CLAIM</c>).</summary>
    public const string ClaimMountRoot = "/mnt/pvc";

    private readonly List<string> _prefixes;

    private ContainerFilesystem(string root, string terminationPath, List<string> prefixes)
    {
        Root = root;
        TerminationPath = terminationPath;
        TerminationFile = root + terminationPath;
        _prefixes = prefixes;
    }

    /// <summary>The host folder that stands for the container's <c>/</c>.</summary>
    public string Root { get; }

    /// <summary>The container's terminationMessagePath.</summary>
    public string TerminationPath { get; }

    /// <summary>The host file behind <see cref="TerminationPath"/>.</summary>
    public string TerminationFile { get; }

    /// <summary>The host folder behind /mnt/pvc when the container mounts something there, else null.</summary>
    public string? ClaimRoot => _prefixes.Any(p => p == ClaimMountRoot || p.StartsWith(ClaimMountRoot + "/", StringComparison.Ordinal)) ? Root + ClaimMountRoot : null;

    /// <summary>Builds the root of <paramref name="container"/> under <paramref name="containerDirectory"/> (replacing an earlier one).</summary>
    public static ContainerFilesystem Create(string containerDirectory, V1Container container, IReadOnlyDictionary<string, string> volumeFolders)
    {
        var root = Path.Combine(containerDirectory, "root");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        var prefixes = new List<string>();
        foreach (var mount in (container.VolumeMounts ?? []).OrderBy(m => m.MountPath.Length))
        {
            if (!volumeFolders.TryGetValue(mount.Name, out var folder))
            {
                throw PodSetupException.Fail("CreateContainerConfigError", $"container {container.Name}: volumeMount \"{mount.Name}\" names no volume of the pod");
            }

            var mountPath = Normalize(mount.MountPath, $"container {container.Name}: mountPath");
            var target = folder;
            if (mount.SubPath is { Length: > 0 } subPath)
            {
                target = Path.GetFullPath(Path.Combine(folder, subPath));
                if (Path.IsPathRooted(subPath) || !target.StartsWith(Path.GetFullPath(folder), StringComparison.Ordinal))
                {
                    throw PodSetupException.Fail("CreateContainerConfigError", $"container {container.Name}: subPath \"{subPath}\" must be relative and stay inside volume \"{mount.Name}\"");
                }

                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    Directory.CreateDirectory(target);
                }
            }

            var link = root + mountPath;
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (File.Exists(link) || Directory.Exists(link))
            {
                throw PodSetupException.Fail("CreateContainerConfigError", $"container {container.Name}: mountPath {mountPath} lies inside another mount or repeats one; the node agent cannot nest mounts");
            }

            File.CreateSymbolicLink(link, target);
            prefixes.Add(mountPath);
        }

        var terminationPath = Normalize(container.TerminationMessagePath ?? "/dev/termination-log", $"container {container.Name}: terminationMessagePath");
        prefixes.Add(terminationPath);
        prefixes.Sort((a, b) => b.Length.CompareTo(a.Length));
        var filesystem = new ContainerFilesystem(root, terminationPath, prefixes);
        filesystem.ResetTerminationFile();
        return filesystem;
    }

    /// <summary>Empties the termination message file (before each start of the container).</summary>
    public void ResetTerminationFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TerminationFile)!);
        File.WriteAllBytes(TerminationFile, []);
    }

    /// <summary>The host path of <paramref name="value"/> when it starts with a mount path or the termination path, else the value.</summary>
    public string Translate(string value)
    {
        foreach (var prefix in _prefixes)
        {
            if (value == prefix || value.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return Root + value;
            }
        }

        return value;
    }

    /// <summary>A container directory path as a host path under the root, created if missing (workingDir).</summary>
    public string HostDirectory(string path)
    {
        var host = Root + Normalize(path, "workingDir");
        Directory.CreateDirectory(host);
        return host;
    }

    private static string Normalize(string path, string what)
    {
        if (!path.StartsWith('/') || path.Split('/').Contains(".."))
        {
            throw PodSetupException.Fail("CreateContainerConfigError", $"{what} \"{path}\" must be an absolute path without ..");
        }

        var trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            throw PodSetupException.Fail("CreateContainerConfigError", $"{what} \"/\": the node agent cannot mount over the whole root");
        }

        return trimmed;
    }
}
