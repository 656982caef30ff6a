namespace PostTrain.Api.Model;

/// <summary>A reference to an owning object (metav1.OwnerReference).</summary>
public sealed class OwnerReference
{
    /// <summary>The owner's apiVersion.</summary>
    public string ApiVersion { get; set; } = "";

    /// <summary>The owner's kind.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The owner's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The owner's uid.</summary>
    public string Uid { get; set; } = "";

    /// <summary>True when the owner is the managing controller.</summary>
    public bool? Controller { get; set; }

    /// <summary>True when the owner cannot be deleted before this object under foreground deletion.</summary>
    public bool? BlockOwnerDeletion { get; set; }
}
