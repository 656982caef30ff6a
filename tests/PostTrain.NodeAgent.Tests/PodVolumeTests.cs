using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>Volumes as host folders, mounts as symlinks under each container's root.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class PodVolumeTests(ClusterFixture cluster)
{
    private const string Script = """
        cat "$1"; echo
        cat "$ITEMS/nested/hello.txt"; echo
        cat "$SECRETS/token"; echo
        od -An -tx1 "$CONFIG/blob" | tr -d ' \n'; echo
        touch "$SCRATCH/$POD"; echo "scratch: $(ls "$SCRATCH")"
        echo "from $POD" > "$SHARED/$POD.txt"; cat "$POSTTRAIN_PVC_ROOT"/shared/*.txt
        """;

    [Fact]
    public async Task Config_maps_and_secrets_are_files_a_claim_is_one_folder_for_every_pod_and_an_empty_dir_is_each_pods_own()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.ConfigMaps.CreateAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "files", NamespaceProperty = ns },
            Data = new Dictionary<string, string>() { ["greeting"] = "hello", ["unused"] = "x" },
            BinaryData = new Dictionary<string, byte[]> { ["blob"] = [0x00, 0xff, 0x10] },
        });
        await cluster.Client.Secrets.CreateAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "keys", NamespaceProperty = ns }, Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes("s3cret") } });
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "shared"));

        await cluster.Client.Pods.CreateAsync(Pod(ns, "first"));
        var first = await cluster.EndedPodAsync(ns, "first");
        first.Status!.Phase.ShouldBe("Succeeded", await cluster.LogAsync(ns, "first"));
        await cluster.Client.Pods.CreateAsync(Pod(ns, "second"));
        var second = await cluster.EndedPodAsync(ns, "second");
        second.Status!.Phase.ShouldBe("Succeeded", await cluster.LogAsync(ns, "second"));

        (await cluster.LogAsync(ns, "first")).ShouldBe("hello\nhello\ns3cret\n00ff10\nscratch: first\nfrom first\n");
        (await cluster.LogAsync(ns, "second")).ShouldBe("hello\nhello\ns3cret\n00ff10\nscratch: second\nfrom first\nfrom second\n");

        var claim = cluster.Agent.ClaimDirectory(ns, "shared");
        Directory.GetFiles(claim).Select(Path.GetFileName).Order().ShouldBe(["first.txt", "second.txt"]);
        var item = Path.Combine(cluster.Agent.DataDirectory, "pods", first.Metadata.Uid!, "volumes", "items", "nested", "hello.txt");
        File.GetUnixFileMode(item).ShouldBe(UnixFileMode.UserRead, "items[].mode 0400");
        Directory.GetFiles(Path.Combine(cluster.Agent.DataDirectory, "pods", first.Metadata.Uid!, "volumes", "items")).ShouldBeEmpty("items select keys: only nested/hello.txt");
    }

    private static V1Pod Pod(string ns, string name)
    {
        var container = Manifests.Shell(Script, "c", ("CONFIG", "/etc/config"), ("ITEMS", "/etc/items"), ("SECRETS", "/etc/secrets"), ("SCRATCH", "/scratch"), ("SHARED", "/mnt/pvc/shared"));
        container.Command = ["sh", "-c", Script, "sh", "/etc/config/greeting"];
        container.Env!.Add(new V1EnvVar { Name = "POD", ValueFrom = Manifests.FieldRef("metadata.name") });
        container.VolumeMounts =
        [
            new V1VolumeMount { Name = "config", MountPath = "/etc/config", ReadOnlyProperty = true },
            new V1VolumeMount { Name = "items", MountPath = "/etc/items" },
            new V1VolumeMount { Name = "secrets", MountPath = "/etc/secrets" },
            new V1VolumeMount { Name = "scratch", MountPath = "/scratch" },
            new V1VolumeMount { Name = "shared", MountPath = "/mnt/pvc/shared" },
        ];
        var pod = Manifests.Pod(ns, name, container);
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "config", ConfigMap = KubeJson.FromNode<V1ConfigMapVolumeSource>(new JsonObject { ["name"] = "files" }) },
            new V1Volume
            {
                Name = "items",
                ConfigMap = KubeJson.FromNode<V1ConfigMapVolumeSource>(new JsonObject { ["name"] = "files", ["items"] = new JsonArray(new JsonObject { ["key"] = "greeting", ["path"] = "nested/hello.txt", ["mode"] = 256 }) }),
            },
            new V1Volume { Name = "secrets", Secret = KubeJson.FromNode<V1SecretVolumeSource>(new JsonObject { ["secretName"] = "keys" }) },
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
            Manifests.ClaimVolume("shared", "shared"),
        ];
        return pod;
    }
}
