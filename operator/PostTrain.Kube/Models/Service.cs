using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>core/v1 Service.</summary>
[KubernetesEntity(Group = "", ApiVersion = "v1", Kind = "Service", PluralName = "services")]
public sealed class Service : KubernetesObject
{
    /// <summary>Desired state.</summary>
    public ServiceSpec Spec { get; set; } = new();

    /// <summary>Observed state, kept as JSON.</summary>
    public JsonObject? Status { get; set; }
}

/// <summary>core/v1 ServiceSpec.</summary>
public sealed class ServiceSpec
{
    /// <summary>ClusterIP, NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; set; }

    /// <summary>"None" makes a headless Service.</summary>
    public string? ClusterIP { get; set; }

    /// <summary>Pod selector.</summary>
    public Dictionary<string, string>? Selector { get; set; }

    /// <summary>Ports.</summary>
    public List<ServicePort>? Ports { get; set; }

    /// <summary>Publish DNS records for pods that are not ready.</summary>
    public bool? PublishNotReadyAddresses { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 ServicePort.</summary>
public sealed class ServicePort
{
    /// <summary>Name.</summary>
    public string? Name { get; set; }

    /// <summary>Port.</summary>
    public int Port { get; set; }

    /// <summary>Target port: a number or a named port.</summary>
    public JsonNode? TargetPort { get; set; }

    /// <summary>Protocol.</summary>
    public string? Protocol { get; set; }
}
