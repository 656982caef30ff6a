using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>Pods and Jobs whose one container runs a shell script on the host (image busybox).</summary>
internal static class Manifests
{
    public static V1Container Shell(string script, string name = "c", params (string Name, string Value)[] env) => new()
    {
        Name = name,
        Image = ClusterFixture.HostImage,
        Command = ["sh", "-c", script],
        Env = env.Select(e => new V1EnvVar { Name = e.Name, Value = e.Value }).ToList(),
    };

    public static V1Pod Pod(string ns, string name, params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PodSpec { Containers = [.. containers], RestartPolicy = "Never" },
    };

    public static V1Job Job(string ns, string name, V1Container container, int completions = 1, int parallelism = 1, bool indexed = false, int? backoffLimit = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            CompletionMode = indexed ? "Indexed" : "NonIndexed",
            BackoffLimit = backoffLimit,
            Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [container], RestartPolicy = "Never" } },
        },
    };

    public static V1PersistentVolumeClaim Claim(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteMany"], Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } } },
    };

    public static V1Volume ClaimVolume(string name, string claim) => new() { Name = name, PersistentVolumeClaim = KubeJson.FromNode<V1PersistentVolumeClaimVolumeSource>(new JsonObject { ["claimName"] = claim }) };

    public static V1EnvVarSource FieldRef(string path) => new() { FieldRef = new V1ObjectFieldSelector { FieldPath = path } };
}
