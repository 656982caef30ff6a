using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>The Node the agent registers, its scheduler, and its PersistentVolume binder.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class NodeTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_node_is_Ready_with_its_address_kubelet_endpoint_version_capacity_and_pod_range()
    {
        var node = JsonNode.Parse(await cluster.Http.GetStringAsync(new Uri("api/v1/nodes/node-a", UriKind.Relative)))!;
        ((string?)node["metadata"]!["labels"]!["kubernetes.io/hostname"]).ShouldBe("node-a");
        ((string?)node["metadata"]!["labels"]!["posttrain.dev/test-node"]).ShouldBe("yes");
        ((string?)node["spec"]!["podCIDR"]).ShouldBe(cluster.PodCidr);
        var status = node["status"]!;
        var ready = status["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Ready")!;
        ((string?)ready["status"]).ShouldBe("True");
        ((string?)ready["reason"]).ShouldBe("KubeletReady");
        ((string?)status["addresses"]![0]!["type"]).ShouldBe("InternalIP");
        ((string?)status["addresses"]![0]!["address"]).ShouldBe("127.0.0.1");
        ((int)status["daemonEndpoints"]!["kubeletEndpoint"]!["Port"]!).ShouldBe(cluster.Agent.KubeletEndpoint.Port);
        ((string?)status["nodeInfo"]!["kubeletVersion"]).ShouldBe("v1.34.0-posttrain-agent");
        ((string?)status["capacity"]!["cpu"]).ShouldBe(Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture));
        ((string?)status["allocatable"]!["memory"]).ShouldEndWith("Ki");

        using var kubelet = new HttpClient { BaseAddress = cluster.Agent.KubeletEndpoint };
        (await kubelet.GetStringAsync(new Uri("healthz", UriKind.Relative))).ShouldBe("ok");
    }

    [Fact]
    public async Task Pending_pods_are_bound_here_unless_their_node_selector_scheduler_or_missing_claim_rule_it_out()
    {
        var ns = cluster.NewNamespace();
        var fits = Manifests.Pod(ns, "fits", Manifests.Shell("true"));
        fits.Spec.NodeSelector = new Dictionary<string, string>() { ["posttrain.dev/test-node"] = "yes" };
        var elsewhere = Manifests.Pod(ns, "elsewhere", Manifests.Shell("true"));
        elsewhere.Spec.NodeSelector = new Dictionary<string, string>() { ["accelerator"] = "h100" };
        var otherScheduler = Manifests.Pod(ns, "other-scheduler", Manifests.Shell("true"));
        otherScheduler.Spec.SchedulerName = "volcano";
        var claims = Manifests.Pod(ns, "claims", Manifests.Shell("true"));
        claims.Spec.Volumes = [Manifests.ClaimVolume("data", "later")];
        foreach (var pod in new[] { fits, elsewhere, otherScheduler, claims })
        {
            await cluster.Client.Pods.CreateAsync(pod);
        }

        var ran = await cluster.EndedPodAsync(ns, "fits");
        ran.Status!.Phase.ShouldBe("Succeeded");
        ran.Spec.NodeName.ShouldBe("node-a");
        ran.Status.Conditions!.ShouldContain(c => c.Type == "PodScheduled" && c.Status == "True");
        IPAddress.Parse(ran.Status.PodIP!).GetAddressBytes()[1].ShouldBe(IPAddress.Parse(cluster.PodCidr.Split('/')[0]).GetAddressBytes()[1]);

        var unschedulable = await cluster.PodAsync(ns, "elsewhere", p => Scheduled(p)?.Reason == "Unschedulable", "reported unschedulable");
        unschedulable.Spec.NodeName.ShouldBeNull();
        Scheduled(unschedulable)!.Message.ShouldContain("didn't match Pod's node affinity/selector");

        var waiting = await cluster.PodAsync(ns, "claims", p => Scheduled(p)?.Reason == "Unschedulable", "waits for its claim");
        Scheduled(waiting)!.Message.ShouldContain("persistentvolumeclaim \"later\" not found");
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "later"));
        (await cluster.EndedPodAsync(ns, "claims")).Status!.Phase.ShouldBe("Succeeded");

        (await cluster.Client.Pods.GetAsync("other-scheduler", ns)).Spec.NodeName.ShouldBeNull("a pod for another scheduler is left to it");
    }

    [Fact]
    public async Task Claims_are_bound_to_a_host_folder_with_their_access_modes_and_requested_capacity()
    {
        var ns = cluster.NewNamespace();
        var created = await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "data"));
        var bound = await Poll.UntilAsync(() => cluster.Client.PersistentVolumeClaims.GetAsync("data", ns), c => c.Status?.Phase == "Bound", "claim bound");
        bound.Spec.VolumeName.ShouldBe("pvc-" + created.Metadata.Uid);
        bound.Metadata.Annotations!["pv.kubernetes.io/bind-completed"].ShouldBe("yes");
        var status = System.Text.Json.JsonSerializer.SerializeToNode(bound.Status, KubeJson.Options)!;
        ((string?)status["capacity"]!["storage"]).ShouldBe("1Gi");
        ((string?)status["accessModes"]![0]).ShouldBe("ReadWriteMany");
        Directory.Exists(cluster.Agent.ClaimDirectory(ns, "data")).ShouldBeTrue();
    }

    private static V1PodCondition? Scheduled(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
}
