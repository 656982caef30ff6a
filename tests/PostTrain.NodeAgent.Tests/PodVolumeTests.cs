using System.Text;
using System.Text.Json.Nodes;
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
        await cluster.Client.ConfigMaps.CreateAsync(new ConfigMap
        {
            Metadata = new ObjectMeta { Name = "files", Namespace = ns },
            Data = new() { ["greeting"] = "hello", ["unused"] = "x" },
            BinaryData = new() { ["blob"] = Convert.ToBase64String([0x00, 0xff, 0x10]) },
        });
        await cluster.Client.Secrets.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "keys", Namespace = ns }, Data = new() { ["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret")) } });
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

    private static Pod Pod(string ns, string name)
    {
        var container = Manifests.Shell(Script, "c", ("CONFIG", "/etc/config"), ("ITEMS", "/etc/items"), ("SECRETS", "/etc/secrets"), ("SCRATCH", "/scratch"), ("SHARED", "/mnt/pvc/shared"));
        container.Command = ["sh", "-c", Script, "sh", "/etc/config/greeting"];
        container.Env!.Add(new EnvVar { Name = "POD", ValueFrom = Manifests.FieldRef("metadata.name") });
        container.VolumeMounts =
        [
            new VolumeMount { Name = "config", MountPath = "/etc/config", ReadOnly = true },
            new VolumeMount { Name = "items", MountPath = "/etc/items" },
            new VolumeMount { Name = "secrets", MountPath = "/etc/secrets" },
            new VolumeMount { Name = "scratch", MountPath = "/scratch" },
            new VolumeMount { Name = "shared", MountPath = "/mnt/pvc/shared" },
        ];
        var pod = Manifests.Pod(ns, name, container);
        pod.Spec.Volumes =
        [
            new Volume { Name = "config", ConfigMap = new JsonObject { ["name"] = "files" } },
            new Volume
            {
                Name = "items",
                ConfigMap = new JsonObject { ["name"] = "files", ["items"] = new JsonArray(new JsonObject { ["key"] = "greeting", ["path"] = "nested/hello.txt", ["mode"] = 256 }) },
            },
            new Volume { Name = "secrets", Secret = new JsonObject { ["secretName"] = "keys" } },
            new Volume { Name = "scratch", EmptyDir = [] },
            Manifests.ClaimVolume("shared", "shared"),
        ];
        return pod;
    }
}
