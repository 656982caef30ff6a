using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>metav1.ObjectMeta.</summary>
public sealed class ObjectMeta
{
    /// <summary>Name, unique within the namespace.</summary>
    public string? Name { get; set; }

    /// <summary>Prefix the server completes with a random suffix when <see cref="Name"/> is empty.</summary>
    public string? GenerateName { get; set; }

    /// <summary>Namespace (empty for cluster-scoped objects).</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>Server-assigned unique id.</summary>
    public string? Uid { get; set; }

    /// <summary>Opaque version for optimistic concurrency and watches.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Incremented by the server on every spec change.</summary>
    public long? Generation { get; set; }

    /// <summary>When the object was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>Set when deletion was requested and finalizers still hold the object.</summary>
    public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>Grace period of the pending deletion.</summary>
    public long? DeletionGracePeriodSeconds { get; set; }

    /// <summary>Labels.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Annotations.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Finalizers that must be removed before the object goes away.</summary>
    public List<string>? Finalizers { get; set; }

    /// <summary>Owners; a controller owner makes this object its child.</summary>
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Server-side apply field ownership, kept opaque.</summary>
    public JsonElement? ManagedFields { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
