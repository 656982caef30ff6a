using System.Text.Json;
using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The subset of Kubernetes object metadata PostTrain reads and writes (metav1.ObjectMeta).</summary>
public sealed class ObjectMeta
{
    /// <summary>The object's name, unique within its namespace and kind.</summary>
    public string? Name { get; set; }

    /// <summary>The namespace; empty means the default namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Labels: identifying key/value pairs used by selectors.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Annotations: non-identifying key/value pairs.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>The server-assigned unique id.</summary>
    public string? Uid { get; set; }

    /// <summary>The server-assigned version used for optimistic concurrency.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>The server-assigned sequence number of spec changes.</summary>
    public long? Generation { get; set; }

    /// <summary>When the object was created.</summary>
    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>When deletion was requested; set while finalizers hold the object.</summary>
    public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>Finalizers that must be removed before the object is deleted.</summary>
    public List<string>? Finalizers { get; set; }

    /// <summary>
    /// Metadata fields this type does not model (ownerReferences, managedFields, ...), kept so a read-modify-write loses
    /// nothing. Owner references are the controller runtime's business: PostTrain.Kube's ObjectMeta models them.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalFields { get; set; }
}
