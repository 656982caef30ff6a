using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>What a container's process finds in its environment.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class PodEnvironmentTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Values_expansions_the_downward_API_config_maps_secrets_and_the_worker_contract_reach_the_process()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings", NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["mode"] = "fast", ["level"] = "3" } });
        await cluster.Client.Secrets.CreateAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "creds", NamespaceProperty = ns }, Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes("s3cret") } });
        var container = Manifests.Shell("env");
        container.Env =
        [
            new V1EnvVar { Name = "A", Value = "alpha" },
            new V1EnvVar { Name = "B", Value = "$(A)-beta" },
            new V1EnvVar { Name = "ESCAPED", Value = "$$(A)" },
            new V1EnvVar { Name = "UNDEFINED", Value = "$(NOPE)" },
            new V1EnvVar { Name = "POD_NAME", ValueFrom = Manifests.FieldRef("metadata.name") },
            new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = Manifests.FieldRef("metadata.namespace") },
            new V1EnvVar { Name = "POD_UID", ValueFrom = Manifests.FieldRef("metadata.uid") },
            new V1EnvVar { Name = "APP", ValueFrom = Manifests.FieldRef("metadata.labels['app']") },
            new V1EnvVar { Name = "NOTE", ValueFrom = Manifests.FieldRef("metadata.annotations['note']") },
            new V1EnvVar { Name = "NODE", ValueFrom = Manifests.FieldRef("spec.nodeName") },
            new V1EnvVar { Name = "ACCOUNT", ValueFrom = Manifests.FieldRef("spec.serviceAccountName") },
            new V1EnvVar { Name = "POD_IP", ValueFrom = Manifests.FieldRef("status.podIP") },
            new V1EnvVar { Name = "HOST_IP", ValueFrom = Manifests.FieldRef("status.hostIP") },
            new V1EnvVar { Name = "MODE", ValueFrom = KubeJson.FromNode<V1EnvVarSource>(new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "mode" } }) },
            new V1EnvVar { Name = "TOKEN", ValueFrom = KubeJson.FromNode<V1EnvVarSource>(new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "creds", ["key"] = "token" } }) },
            new V1EnvVar { Name = "MISSING", ValueFrom = KubeJson.FromNode<V1EnvVarSource>(new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "nope", ["optional"] = true } }) },
            new V1EnvVar { Name = "CONFIG_FILE", Value = "/etc/app/app.yaml" },
        ];
        container.EnvFrom = [new V1EnvFromSource { Prefix = "CFG_", ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }];
        container.VolumeMounts = [new V1VolumeMount { Name = "app", MountPath = "/etc/app" }];
        var pod = Manifests.Pod(ns, "env", container);
        pod.Metadata.Labels = new Dictionary<string, string>() { ["app"] = "demo" };
        pod.Metadata.Annotations = new Dictionary<string, string>() { ["note"] = "hello there" };
        pod.Spec.ServiceAccountName = "runner";
        pod.Spec.Volumes = [new V1Volume { Name = "app", EmptyDir = new V1EmptyDirVolumeSource() }];
        await cluster.Client.Pods.CreateAsync(pod);

        var ended = await cluster.EndedPodAsync(ns, "env");
        ended.Status!.Phase.ShouldBe("Succeeded");
        var env = Parse(await cluster.LogAsync(ns, "env"));
        env["A"].ShouldBe("alpha");
        env["B"].ShouldBe("alpha-beta");
        env["ESCAPED"].ShouldBe("$(A)");
        env["UNDEFINED"].ShouldBe("$(NOPE)");
        env["POD_NAME"].ShouldBe("env");
        env["POD_NAMESPACE"].ShouldBe(ns);
        env["POD_UID"].ShouldBe(ended.Metadata.Uid);
        env["APP"].ShouldBe("demo");
        env["NOTE"].ShouldBe("hello there");
        env["NODE"].ShouldBe("node-a");
        env["ACCOUNT"].ShouldBe("runner");
        env["POD_IP"].ShouldBe(ended.Status.PodIP);
        env["HOST_IP"].ShouldBe("127.0.0.1");
        env["MODE"].ShouldBe("fast");
        env["TOKEN"].ShouldBe("s3cret");
        env.ShouldNotContainKey("MISSING");
        env["CFG_mode"].ShouldBe("fast");
        env["CFG_level"].ShouldBe("3");
        env["HOSTNAME"].ShouldBe("env");

        // Container paths become host paths under the container's root; the worker contract points at the pod's own.
        var root = Path.Combine(cluster.Agent.DataDirectory, "pods", ended.Metadata.Uid!, "containers", "c", "root");
        env["CONFIG_FILE"].ShouldBe(root + "/etc/app/app.yaml");
        env["POSTTRAIN_TERMINATION_LOG"].ShouldBe(root + "/dev/termination-log");
        env["POSTTRAIN_LISTEN_ADDRESS"].ShouldBe(ended.Status.PodIP);
        env.ShouldNotContainKey("POSTTRAIN_PVC_ROOT");
        env["PATH"].ShouldNotBeEmpty("the host's environment is the base");
    }

    [Fact]
    public async Task A_missing_secret_keeps_the_container_waiting_with_CreateContainerConfigError_until_it_exists()
    {
        var ns = cluster.NewNamespace();
        var container = Manifests.Shell("echo \"token=$TOKEN\"");
        container.Env = [new V1EnvVar { Name = "TOKEN", ValueFrom = KubeJson.FromNode<V1EnvVarSource>(new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "late", ["key"] = "token" } }) }];
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "waits", container));

        var waiting = await cluster.PodAsync(ns, "waits", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "CreateContainerConfigError", "waits for its secret");
        waiting.Status!.Phase.ShouldBe("Pending");
        waiting.Status.ContainerStatuses![0].State!.Waiting!.Message.ShouldBe("secret \"late\" not found");

        await cluster.Client.Secrets.CreateAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "late", NamespaceProperty = ns }, Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes("finally") } });
        (await cluster.EndedPodAsync(ns, "waits")).Status!.Phase.ShouldBe("Succeeded");
        (await cluster.LogAsync(ns, "waits")).ShouldBe("token=finally\n");
    }

    [Fact]
    public async Task A_hostNetwork_pod_shares_the_node_address()
    {
        var ns = cluster.NewNamespace();
        var container = Manifests.Shell("echo \"$POD_IP $POSTTRAIN_LISTEN_ADDRESS\"");
        container.Env = [new V1EnvVar { Name = "POD_IP", ValueFrom = Manifests.FieldRef("status.podIP") }];
        var pod = Manifests.Pod(ns, "host", container);
        pod.Spec.HostNetwork = true;
        await cluster.Client.Pods.CreateAsync(pod);

        (await cluster.EndedPodAsync(ns, "host")).Status!.PodIP.ShouldBe("127.0.0.1");
        (await cluster.LogAsync(ns, "host")).ShouldBe("127.0.0.1 127.0.0.1\n");
    }

    private static Dictionary<string, string> Parse(string env) =>
        env.Split('\n').Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
}
