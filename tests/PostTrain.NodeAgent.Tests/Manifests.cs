using System.Text.Json.Nodes;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>Pods and Jobs whose one container runs a shell script on the host (image busybox).</summary>
internal static class Manifests
{
    public static Container Shell(string script, string name = "c", params (string Name, string Value)[] env) => new()
    {
        Name = name,
        Image = ClusterFixture.HostImage,
        Command = ["sh", "-c", script],
        Env = env.Select(e => new EnvVar { Name = e.Name, Value = e.Value }).ToList(),
    };

    public static Pod Pod(string ns, string name, params Container[] containers) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new PodSpec { Containers = [.. containers], RestartPolicy = "Never" },
    };

    public static Job Job(string ns, string name, Container container, int completions = 1, int parallelism = 1, bool indexed = false, int? backoffLimit = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            CompletionMode = indexed ? "Indexed" : "NonIndexed",
            BackoffLimit = backoffLimit,
            Template = new PodTemplateSpec { Spec = new PodSpec { Containers = [container], RestartPolicy = "Never" } },
        },
    };

    public static PersistentVolumeClaim Claim(string ns, string name) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new PersistentVolumeClaimSpec { AccessModes = ["ReadWriteMany"], Resources = new ResourceRequirements { Requests = new() { ["storage"] = "1Gi" } } },
    };

    public static Volume ClaimVolume(string name, string claim) => new() { Name = name, PersistentVolumeClaim = new JsonObject { ["claimName"] = claim } };

    public static JsonObject FieldRef(string path) => new() { ["fieldRef"] = new JsonObject { ["fieldPath"] = path } };
}
