using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>core/v1 Pod.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Pod", PluralName = "pods")]
public sealed class Pod : KubernetesObject
{
    /// <summary>Desired state.</summary>
    public PodSpec Spec { get; set; } = new();

    /// <summary>Observed state.</summary>
    public PodStatus? Status { get; set; }
}

/// <summary>A pod template (metadata and spec), as in Jobs.</summary>
public sealed class PodTemplateSpec
{
    /// <summary>Labels and annotations of the pods.</summary>
    public ObjectMeta? Metadata { get; set; }

    /// <summary>Pod spec.</summary>
    public PodSpec Spec { get; set; } = new();
}

/// <summary>core/v1 PodSpec (the fields controllers commonly set; the rest round-trips).</summary>
public sealed class PodSpec
{
    /// <summary>Containers.</summary>
    public List<Container> Containers { get; set; } = [];

    /// <summary>Init containers.</summary>
    public List<Container>? InitContainers { get; set; }

    /// <summary>Volumes.</summary>
    public List<Volume>? Volumes { get; set; }

    /// <summary>Always, OnFailure or Never.</summary>
    public string? RestartPolicy { get; set; }

    /// <summary>Node selector.</summary>
    public Dictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Tolerations, kept as JSON.</summary>
    public JsonArray? Tolerations { get; set; }

    /// <summary>Affinity, kept as JSON.</summary>
    public JsonObject? Affinity { get; set; }

    /// <summary>Service account.</summary>
    public string? ServiceAccountName { get; set; }

    /// <summary>Hostname.</summary>
    public string? Hostname { get; set; }

    /// <summary>Subdomain (with a headless Service, gives pods stable DNS names).</summary>
    public string? Subdomain { get; set; }

    /// <summary>Node the pod is bound to.</summary>
    public string? NodeName { get; set; }

    /// <summary>Grace period on deletion.</summary>
    public long? TerminationGracePeriodSeconds { get; set; }

    /// <summary>Image pull secrets, kept as JSON.</summary>
    public JsonArray? ImagePullSecrets { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 Container.</summary>
public sealed class Container
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Image.</summary>
    public string? Image { get; set; }

    /// <summary>IfNotPresent, Always or Never.</summary>
    public string? ImagePullPolicy { get; set; }

    /// <summary>Entrypoint.</summary>
    public List<string>? Command { get; set; }

    /// <summary>Arguments.</summary>
    public List<string>? Args { get; set; }

    /// <summary>Working directory.</summary>
    public string? WorkingDir { get; set; }

    /// <summary>Environment variables.</summary>
    public List<EnvVar>? Env { get; set; }

    /// <summary>Ports.</summary>
    public List<ContainerPort>? Ports { get; set; }

    /// <summary>Resource requests and limits.</summary>
    public ResourceRequirements? Resources { get; set; }

    /// <summary>Volume mounts.</summary>
    public List<VolumeMount>? VolumeMounts { get; set; }

    /// <summary>Where the termination message is written.</summary>
    public string? TerminationMessagePath { get; set; }

    /// <summary>File or FallbackToLogsOnError.</summary>
    public string? TerminationMessagePolicy { get; set; }

    /// <summary>Fields not declared here (probes, securityContext, ...).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>An environment variable: a value or a valueFrom source (kept as JSON).</summary>
public sealed class EnvVar
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Literal value.</summary>
    public string? Value { get; set; }

    /// <summary>Source (fieldRef, secretKeyRef, ...).</summary>
    public JsonObject? ValueFrom { get; set; }
}

/// <summary>A container port.</summary>
public sealed class ContainerPort
{
    /// <summary>Name.</summary>
    public string? Name { get; set; }

    /// <summary>Port number.</summary>
    [JsonPropertyName("containerPort")]
    public int Port { get; set; }

    /// <summary>TCP, UDP or SCTP.</summary>
    public string? Protocol { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>Resource requests and limits, as quantity strings ("4", "16Gi", "nvidia.com/gpu": "1").</summary>
public sealed class ResourceRequirements
{
    /// <summary>Limits.</summary>
    public Dictionary<string, string>? Limits { get; set; }

    /// <summary>Requests.</summary>
    public Dictionary<string, string>? Requests { get; set; }
}

/// <summary>A volume mount.</summary>
public sealed class VolumeMount
{
    /// <summary>Volume name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Where to mount.</summary>
    public string MountPath { get; set; } = "";

    /// <summary>A path inside the volume.</summary>
    public string? SubPath { get; set; }

    /// <summary>Mount read-only.</summary>
    public bool? ReadOnly { get; set; }
}

/// <summary>A volume; the common sources are typed, others round-trip.</summary>
public sealed class Volume
{
    /// <summary>Name.</summary>
    public string Name { get; set; } = "";

    /// <summary>ConfigMap source ({"name": ...}).</summary>
    public JsonObject? ConfigMap { get; set; }

    /// <summary>Secret source.</summary>
    public JsonObject? Secret { get; set; }

    /// <summary>PVC source ({"claimName": ...}).</summary>
    public JsonObject? PersistentVolumeClaim { get; set; }

    /// <summary>EmptyDir source ({"medium": "Memory"}).</summary>
    public JsonObject? EmptyDir { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 PodStatus.</summary>
public sealed class PodStatus
{
    /// <summary>Pending, Running, Succeeded, Failed or Unknown.</summary>
    public string? Phase { get; set; }

    /// <summary>Reason for the phase.</summary>
    public string? Reason { get; set; }

    /// <summary>Message.</summary>
    public string? Message { get; set; }

    /// <summary>Pod IP.</summary>
    public string? PodIP { get; set; }

    /// <summary>When the kubelet acknowledged the pod.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Conditions (PodScheduled, Ready, ...), kept as JSON.</summary>
    public JsonArray? Conditions { get; set; }

    /// <summary>Container statuses.</summary>
    public List<ContainerStatus>? ContainerStatuses { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 ContainerStatus; state and lastState are JSON ({"terminated": {"exitCode": 0, "message": ...}}).</summary>
public sealed class ContainerStatus
{
    /// <summary>Container name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Ready.</summary>
    public bool Ready { get; set; }

    /// <summary>Restart count.</summary>
    public int RestartCount { get; set; }

    /// <summary>Current state.</summary>
    public JsonObject? State { get; set; }

    /// <summary>Previous state.</summary>
    public JsonObject? LastState { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
