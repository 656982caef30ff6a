namespace PostTrain.Kube.Models;

/// <summary>metav1.OwnerReference: who owns an object (for garbage collection and controller mapping).</summary>
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

    /// <summary>Whether the owner is the managing controller (at most one owner reference may say so).</summary>
    public bool? Controller { get; set; }

    /// <summary>Whether foreground deletion of the owner waits for this object.</summary>
    public bool? BlockOwnerDeletion { get; set; }
}
