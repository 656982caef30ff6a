using System.Text;
using System.Text.Json.Nodes;
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
        await cluster.Client.ConfigMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "settings", Namespace = ns }, Data = new() { ["mode"] = "fast", ["level"] = "3" } });
        await cluster.Client.Secrets.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "creds", Namespace = ns }, Data = new() { ["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret")) } });
        var container = Manifests.Shell("env");
        container.Env =
        [
            new EnvVar { Name = "A", Value = "alpha" },
            new EnvVar { Name = "B", Value = "$(A)-beta" },
            new EnvVar { Name = "ESCAPED", Value = "$$(A)" },
            new EnvVar { Name = "UNDEFINED", Value = "$(NOPE)" },
            new EnvVar { Name = "POD_NAME", ValueFrom = Manifests.FieldRef("metadata.name") },
            new EnvVar { Name = "POD_NAMESPACE", ValueFrom = Manifests.FieldRef("metadata.namespace") },
            new EnvVar { Name = "POD_UID", ValueFrom = Manifests.FieldRef("metadata.uid") },
            new EnvVar { Name = "APP", ValueFrom = Manifests.FieldRef("metadata.labels['app']") },
            new EnvVar { Name = "NOTE", ValueFrom = Manifests.FieldRef("metadata.annotations['note']") },
            new EnvVar { Name = "NODE", ValueFrom = Manifests.FieldRef("spec.nodeName") },
            new EnvVar { Name = "ACCOUNT", ValueFrom = Manifests.FieldRef("spec.serviceAccountName") },
            new EnvVar { Name = "POD_IP", ValueFrom = Manifests.FieldRef("status.podIP") },
            new EnvVar { Name = "HOST_IP", ValueFrom = Manifests.FieldRef("status.hostIP") },
            new EnvVar { Name = "MODE", ValueFrom = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "mode" } } },
            new EnvVar { Name = "TOKEN", ValueFrom = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "creds", ["key"] = "token" } } },
            new EnvVar { Name = "MISSING", ValueFrom = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "settings", ["key"] = "nope", ["optional"] = true } } },
            new EnvVar { Name = "CONFIG_FILE", Value = "/etc/app/app.yaml" },
        ];
        container.ExtensionData = new() { ["envFrom"] = System.Text.Json.JsonSerializer.SerializeToElement(new JsonArray(new JsonObject { ["prefix"] = "CFG_", ["configMapRef"] = new JsonObject { ["name"] = "settings" } })) };
        container.VolumeMounts = [new VolumeMount { Name = "app", MountPath = "/etc/app" }];
        var pod = Manifests.Pod(ns, "env", container);
        pod.Metadata.Labels = new() { ["app"] = "demo" };
        pod.Metadata.Annotations = new() { ["note"] = "hello there" };
        pod.Spec.ServiceAccountName = "runner";
        pod.Spec.Volumes = [new Volume { Name = "app", EmptyDir = [] }];
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
        container.Env = [new EnvVar { Name = "TOKEN", ValueFrom = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "late", ["key"] = "token" } } }];
        await cluster.Client.Pods.CreateAsync(Manifests.Pod(ns, "waits", container));

        var waiting = await cluster.PodAsync(ns, "waits", p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?["waiting"] is not null && p.Status.ContainerStatuses[0].State!["waiting"]!["reason"]!.GetValue<string>() == "CreateContainerConfigError", "waits for its secret");
        waiting.Status!.Phase.ShouldBe("Pending");
        ((string?)waiting.Status.ContainerStatuses![0].State!["waiting"]!["message"]).ShouldBe("secret \"late\" not found");

        await cluster.Client.Secrets.CreateAsync(new Secret { Metadata = new ObjectMeta { Name = "late", Namespace = ns }, Data = new() { ["token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("finally")) } });
        (await cluster.EndedPodAsync(ns, "waits")).Status!.Phase.ShouldBe("Succeeded");
        (await cluster.LogAsync(ns, "waits")).ShouldBe("token=finally\n");
    }

    [Fact]
    public async Task A_hostNetwork_pod_shares_the_node_address()
    {
        var ns = cluster.NewNamespace();
        var container = Manifests.Shell("echo \"$POD_IP $POSTTRAIN_LISTEN_ADDRESS\"");
        container.Env = [new EnvVar { Name = "POD_IP", ValueFrom = Manifests.FieldRef("status.podIP") }];
        var pod = Manifests.Pod(ns, "host", container);
        pod.Spec.ExtensionData = new() { ["hostNetwork"] = System.Text.Json.JsonSerializer.SerializeToElement(true) };
        await cluster.Client.Pods.CreateAsync(pod);

        (await cluster.EndedPodAsync(ns, "host")).Status!.PodIP.ShouldBe("127.0.0.1");
        (await cluster.LogAsync(ns, "host")).ShouldBe("127.0.0.1 127.0.0.1\n");
    }

    private static Dictionary<string, string> Parse(string env) =>
        env.Split('\n').Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
}
