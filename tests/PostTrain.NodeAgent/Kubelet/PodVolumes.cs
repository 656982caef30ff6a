using System.Text;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Makes a pod's volumes into host folders: configMap, secret, downwardAPI and projected volumes as files (items,
/// keys and modes honoured; Secret data decoded from base64), an emptyDir per pod, a persistentVolumeClaim as
/// <c>{claims}/{namespace}/{claim}</c> shared by every pod that claims it, a hostPath as it is. Any other volume type
/// fails the pod. A missing ConfigMap, Secret, key or claim leaves the pod waiting, as a kubelet's FailedMount does.
/// </summary>
internal sealed class PodVolumes(KubernetesClient client, string claimsDirectory)
{
    private const int DefaultMode = 420; // 0644

    /// <summary>The host folder of each volume, by volume name, made under <paramref name="volumesDirectory"/>.</summary>
    public async Task<Dictionary<string, string>> PrepareAsync(V1Pod pod, string volumesDirectory, string podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            var folder = Path.Combine(volumesDirectory, volume.Name);
            if (volume.EmptyDir is not null)
            {
                Directory.CreateDirectory(folder);
            }
            else if (volume.ConfigMap is { } configMap)
            {
                WriteFiles(folder, await ConfigMapFilesAsync(volume.Name, ns, configMap.Name ?? "", configMap.Items, configMap.Optional == true, configMap.DefaultMode ?? DefaultMode, cancellationToken).ConfigureAwait(false));
            }
            else if (volume.Secret is { } secret)
            {
                WriteFiles(folder, await SecretFilesAsync(volume.Name, ns, secret.SecretName ?? "", secret.Items, secret.Optional == true, secret.DefaultMode ?? DefaultMode, cancellationToken).ConfigureAwait(false));
            }
            else if (volume.PersistentVolumeClaim is { } claim)
            {
                folder = await ClaimFolderAsync(volume.Name, ns, claim.ClaimName ?? "", cancellationToken).ConfigureAwait(false);
            }
            else if (volume.HostPath is { } hostPath)
            {
                folder = HostPath(volume.Name, hostPath);
            }
            else if (volume.DownwardAPI is { } downward)
            {
                WriteFiles(folder, DownwardFiles(pod, downward.Items, downward.DefaultMode ?? DefaultMode, podIp, hostIp));
            }
            else if (volume.Projected is { } projected)
            {
                WriteFiles(folder, await ProjectedFilesAsync(pod, volume.Name, projected, podIp, hostIp, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                var type = KubeJson.ToNode(volume)?.AsObject().Select(p => p.Key).FirstOrDefault(k => k != "name") ?? "(none)";
                throw PodSetupException.Fail("UnsupportedVolume", $"volume \"{volume.Name}\": the node agent does not support {type} volumes (it supports configMap, secret, emptyDir, persistentVolumeClaim, hostPath, downwardAPI and projected)");
            }

            folders[volume.Name] = folder;
        }

        return folders;
    }

    /// <summary>The host folder of a claim (made on demand): <c>{claims}/{namespace}/{claim}</c>.</summary>
    public static string ClaimFolder(string claimsDirectory, string ns, string claim) => Path.Combine(claimsDirectory, ns, claim);

    private async Task<List<VolumeFile>> ConfigMapFilesAsync(string volume, string ns, string name, IList<V1KeyToPath>? items, bool optional, int mode, CancellationToken cancellationToken)
    {
        var configMap = await client.ConfigMaps.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
        if (configMap is null)
        {
            return optional ? [] : throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : configmap \"{name}\" not found");
        }

        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in configMap.Data ?? new Dictionary<string, string>())
        {
            entries[key] = Encoding.UTF8.GetBytes(value);
        }

        foreach (var (key, value) in configMap.BinaryData ?? new Dictionary<string, byte[]>())
        {
            entries[key] = value;
        }

        return Select(volume, "configmap", $"{ns}/{name}", entries, items, mode, optional);
    }

    private async Task<List<VolumeFile>> SecretFilesAsync(string volume, string ns, string name, IList<V1KeyToPath>? items, bool optional, int mode, CancellationToken cancellationToken)
    {
        var secret = await client.Secrets.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return optional ? [] : throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : secret \"{name}\" not found");
        }

        return Select(volume, "secret", $"{ns}/{name}", SecretEntries(secret), items, mode, optional);
    }

    /// <summary>A Secret's entries: data (the official model decodes its base64), and stringData (which the API server would have merged into data).</summary>
    public static Dictionary<string, byte[]> SecretEntries(V1Secret secret)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
        {
            entries[key] = value;
        }

        foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
        {
            entries[key] = Encoding.UTF8.GetBytes(value);
        }

        return entries;
    }

    private static List<VolumeFile> Select(string volume, string kind, string name, Dictionary<string, byte[]> entries, IList<V1KeyToPath>? items, int mode, bool optional)
    {
        if (items is null)
        {
            return entries.Select(e => new VolumeFile(e.Key, e.Value, mode)).ToList();
        }

        var files = new List<VolumeFile>();
        foreach (var item in items)
        {
            var key = item.Key ?? "";
            if (!entries.TryGetValue(key, out var content))
            {
                if (optional)
                {
                    continue;
                }

                throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {kind} {name} has no key \"{key}\"");
            }

            files.Add(new VolumeFile(item.Path ?? key, content, item.Mode ?? mode));
        }

        return files;
    }

    private static List<VolumeFile> DownwardFiles(V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, int mode, string podIp, string hostIp)
    {
        var files = new List<VolumeFile>();
        foreach (var item in items ?? [])
        {
            var fieldPath = item.FieldRef?.FieldPath
                ?? throw PodSetupException.Fail("UnsupportedVolume", $"downwardAPI item \"{item.Path}\": only fieldRef items are supported by the node agent");
            files.Add(new VolumeFile(item.Path ?? "", Encoding.UTF8.GetBytes(PodFields.Resolve(pod, fieldPath, podIp, hostIp)), item.Mode ?? mode));
        }

        return files;
    }

    private async Task<List<VolumeFile>> ProjectedFilesAsync(V1Pod pod, string volume, V1ProjectedVolumeSource projected, string podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var mode = projected.DefaultMode ?? DefaultMode;
        var files = new List<VolumeFile>();
        foreach (var source in projected.Sources ?? [])
        {
            if (source.ConfigMap is { } configMap)
            {
                files.AddRange(await ConfigMapFilesAsync(volume, ns, configMap.Name ?? "", configMap.Items, configMap.Optional == true, mode, cancellationToken).ConfigureAwait(false));
            }
            else if (source.Secret is { } secret)
            {
                files.AddRange(await SecretFilesAsync(volume, ns, secret.Name ?? "", secret.Items, secret.Optional == true, mode, cancellationToken).ConfigureAwait(false));
            }
            else if (source.DownwardAPI is { } downward)
            {
                files.AddRange(DownwardFiles(pod, downward.Items, mode, podIp, hostIp));
            }
            else
            {
                var type = KubeJson.ToNode(source)?.AsObject().Select(p => p.Key).FirstOrDefault() ?? "(none)";
                throw PodSetupException.Fail("UnsupportedVolume", $"projected volume \"{volume}\": the node agent supports configMap, secret and downwardAPI sources, not {type}");
            }
        }

        return files;
    }

    private async Task<string> ClaimFolderAsync(string volume, string ns, string claim, CancellationToken cancellationToken)
    {
        if (await client.PersistentVolumeClaims.TryGetAsync(claim, ns, cancellationToken).ConfigureAwait(false) is null)
        {
            throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : persistentvolumeclaim \"{claim}\" not found");
        }

        var folder = ClaimFolder(claimsDirectory, ns, claim);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string HostPath(string volume, V1HostPathVolumeSource source)
    {
        var path = source.Path ?? "";
        switch (source.Type ?? "")
        {
            case "DirectoryOrCreate":
                Directory.CreateDirectory(path);
                break;
            case "FileOrCreate":
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using (File.Open(path, FileMode.OpenOrCreate, FileAccess.Write))
                {
                }

                break;
            case "Directory" when !Directory.Exists(path):
                throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : hostPath type check failed: {path} is not a directory");
            case "File" when !File.Exists(path):
                throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : hostPath type check failed: {path} is not a file");
        }

        return path;
    }

    private static void WriteFiles(string folder, List<VolumeFile> files)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(folder, file.Path));
            if (file.Path.Length == 0 || Path.IsPathRooted(file.Path) || !path.StartsWith(root, StringComparison.Ordinal))
            {
                throw PodSetupException.Fail("CreateContainerConfigError", $"volume file path \"{file.Path}\" must be relative and stay inside the volume");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content);
            File.SetUnixFileMode(path, (UnixFileMode)(file.Mode & 0x1FF));
        }
    }

    /// <summary>One file of a configMap, secret, downwardAPI or projected volume.</summary>
    private sealed record VolumeFile(string Path, byte[] Content, int Mode);
}
