using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>One page of a list: items, the resourceVersion of the list, and the continue token.</summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class ObjectList<T>
{
    /// <summary>List kind, e.g. PodList.</summary>
    public string? Kind { get; set; }

    /// <summary>API version.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>List metadata.</summary>
    public ListMeta Metadata { get; set; } = new();

    /// <summary>The items.</summary>
    public List<T> Items { get; set; } = [];
}

/// <summary>metav1.ListMeta.</summary>
public sealed class ListMeta
{
    /// <summary>The version the list was read at; start a watch from it.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Token for the next page, if any.</summary>
    [JsonPropertyName("continue")]
    public string? Continue { get; set; }

    /// <summary>How many items remain after this page, when known.</summary>
    public long? RemainingItemCount { get; set; }
}
