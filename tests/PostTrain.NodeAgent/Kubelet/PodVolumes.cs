using System.Text;
using System.Text.Json.Nodes;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;
using PostTrain.NodeAgent.Json;

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
    public async Task<Dictionary<string, string>> PrepareAsync(Pod pod, string volumesDirectory, string podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.Namespace ?? "default";
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
                WriteFiles(folder, await ConfigMapFilesAsync(volume.Name, ns, configMap, Mode(configMap), cancellationToken).ConfigureAwait(false));
            }
            else if (volume.Secret is { } secret)
            {
                WriteFiles(folder, await SecretFilesAsync(volume.Name, ns, secret, secret.Text("secretName") ?? "", Mode(secret), cancellationToken).ConfigureAwait(false));
            }
            else if (volume.PersistentVolumeClaim is { } claim)
            {
                folder = await ClaimFolderAsync(volume.Name, ns, claim.Text("claimName") ?? "", cancellationToken).ConfigureAwait(false);
            }
            else if (volume.ExtensionData.Field("hostPath") is JsonObject hostPath)
            {
                folder = HostPath(volume.Name, hostPath);
            }
            else if (volume.ExtensionData.Field("downwardAPI") is JsonObject downward)
            {
                WriteFiles(folder, DownwardFiles(pod, downward, Mode(downward), podIp, hostIp));
            }
            else if (volume.ExtensionData.Field("projected") is JsonObject projected)
            {
                WriteFiles(folder, await ProjectedFilesAsync(pod, volume.Name, projected, podIp, hostIp, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                var type = volume.ExtensionData?.Keys.FirstOrDefault() ?? "(none)";
                throw PodSetupException.Fail("UnsupportedVolume", $"volume \"{volume.Name}\": the node agent does not support {type} volumes (it supports configMap, secret, emptyDir, persistentVolumeClaim, hostPath, downwardAPI and projected)");
            }

            folders[volume.Name] = folder;
        }

        return folders;
    }

    /// <summary>The host folder of a claim (made on demand): <c>{claims}/{namespace}/{claim}</c>.</summary>
    public static string ClaimFolder(string claimsDirectory, string ns, string claim) => Path.Combine(claimsDirectory, ns, claim);

    private static int Mode(JsonObject source) => (int?)source.Number("defaultMode") ?? DefaultMode;

    private async Task<List<VolumeFile>> ConfigMapFilesAsync(string volume, string ns, JsonObject source, int mode, CancellationToken cancellationToken)
    {
        var name = source.Text("name") ?? "";
        var optional = source.Flag("optional") == true;
        var configMap = await client.ConfigMaps.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
        if (configMap is null)
        {
            return optional ? [] : throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : configmap \"{name}\" not found");
        }

        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in configMap.Data ?? [])
        {
            entries[key] = Encoding.UTF8.GetBytes(value);
        }

        foreach (var (key, value) in configMap.BinaryData ?? [])
        {
            entries[key] = Convert.FromBase64String(value);
        }

        return Select(volume, "configmap", $"{ns}/{name}", entries, source["items"] as JsonArray, mode, optional);
    }

    private async Task<List<VolumeFile>> SecretFilesAsync(string volume, string ns, JsonObject source, string name, int mode, CancellationToken cancellationToken)
    {
        var optional = source.Flag("optional") == true;
        var secret = await client.Secrets.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
        if (secret is null)
        {
            return optional ? [] : throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : secret \"{name}\" not found");
        }

        return Select(volume, "secret", $"{ns}/{name}", SecretEntries(secret), source["items"] as JsonArray, mode, optional);
    }

    /// <summary>A Secret's entries: data decoded from base64, and stringData (which the API server would have merged into data).</summary>
    public static Dictionary<string, byte[]> SecretEntries(Secret secret)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in secret.Data ?? [])
        {
            entries[key] = Convert.FromBase64String(value);
        }

        foreach (var (key, value) in secret.StringData ?? [])
        {
            entries[key] = Encoding.UTF8.GetBytes(value);
        }

        return entries;
    }

    private static List<VolumeFile> Select(string volume, string kind, string name, Dictionary<string, byte[]> entries, JsonArray? items, int mode, bool optional)
    {
        if (items is null)
        {
            return entries.Select(e => new VolumeFile(e.Key, e.Value, mode)).ToList();
        }

        var files = new List<VolumeFile>();
        foreach (var item in items.OfType<JsonObject>())
        {
            var key = item.Text("key") ?? "";
            if (!entries.TryGetValue(key, out var content))
            {
                if (optional)
                {
                    continue;
                }

                throw PodSetupException.Retry("ContainerCreating", $"MountVolume.SetUp failed for volume \"{volume}\" : {kind} {name} has no key \"{key}\"");
            }

            files.Add(new VolumeFile(item.Text("path") ?? key, content, (int?)item.Number("mode") ?? mode));
        }

        return files;
    }

    private static List<VolumeFile> DownwardFiles(Pod pod, JsonObject source, int mode, string podIp, string hostIp)
    {
        var files = new List<VolumeFile>();
        foreach (var item in (source["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var fieldPath = item["fieldRef"].Text("fieldPath")
                ?? throw PodSetupException.Fail("UnsupportedVolume", $"downwardAPI item \"{item.Text("path")}\": only fieldRef items are supported by the node agent");
            files.Add(new VolumeFile(item.Text("path") ?? "", Encoding.UTF8.GetBytes(PodFields.Resolve(pod, fieldPath, podIp, hostIp)), (int?)item.Number("mode") ?? mode));
        }

        return files;
    }

    private async Task<List<VolumeFile>> ProjectedFilesAsync(Pod pod, string volume, JsonObject projected, string podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.Namespace ?? "default";
        var mode = Mode(projected);
        var files = new List<VolumeFile>();
        foreach (var source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (source["configMap"] is JsonObject configMap)
            {
                files.AddRange(await ConfigMapFilesAsync(volume, ns, configMap, mode, cancellationToken).ConfigureAwait(false));
            }
            else if (source["secret"] is JsonObject secret)
            {
                files.AddRange(await SecretFilesAsync(volume, ns, secret, secret.Text("name") ?? "", mode, cancellationToken).ConfigureAwait(false));
            }
            else if (source["downwardAPI"] is JsonObject downward)
            {
                files.AddRange(DownwardFiles(pod, downward, mode, podIp, hostIp));
            }
            else
            {
                throw PodSetupException.Fail("UnsupportedVolume", $"projected volume \"{volume}\": the node agent supports configMap, secret and downwardAPI sources, not {source.Select(p => p.Key).FirstOrDefault()}");
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

    private static string HostPath(string volume, JsonObject source)
    {
        var path = source.Text("path") ?? "";
        switch (source.Text("type") ?? "")
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
