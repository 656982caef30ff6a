using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>events.k8s.io/v1 Event.</summary>
[KubernetesEntity(Group = "events.k8s.io", ApiVersion = "v1", Kind = "Event", PluralName = "events")]
public sealed class EventsV1Event : KubernetesObject
{
    /// <summary>When the event first happened.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    /// <summary>Repeats of the same event.</summary>
    public EventSeries? Series { get; set; }

    /// <summary>The controller that emitted it, e.g. "example.com/my-controller".</summary>
    public string? ReportingController { get; set; }

    /// <summary>The controller instance (pod name).</summary>
    public string? ReportingInstance { get; set; }

    /// <summary>What was done (CamelCase).</summary>
    public string? Action { get; set; }

    /// <summary>Why (CamelCase).</summary>
    public string? Reason { get; set; }

    /// <summary>The object the event is about.</summary>
    public ObjectReference? Regarding { get; set; }

    /// <summary>A second object involved.</summary>
    public ObjectReference? Related { get; set; }

    /// <summary>Human-readable text (at most 1 kB).</summary>
    public string? Note { get; set; }

    /// <summary>Normal or Warning.</summary>
    public string? Type { get; set; }
}

/// <summary>events.k8s.io/v1 EventSeries.</summary>
public sealed class EventSeries
{
    /// <summary>How many times the event occurred.</summary>
    public int Count { get; set; }

    /// <summary>When it was last observed.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset LastObservedTime { get; set; }
}

/// <summary>core/v1 ObjectReference.</summary>
public sealed class ObjectReference
{
    /// <summary>API version.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>Kind.</summary>
    public string? Kind { get; set; }

    /// <summary>Namespace.</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>Name.</summary>
    public string? Name { get; set; }

    /// <summary>UID.</summary>
    public string? Uid { get; set; }

    /// <summary>Resource version.</summary>
    public string? ResourceVersion { get; set; }
}
