namespace PostTrain.Kube.Models;

/// <summary>metav1.Condition.</summary>
public sealed class Condition
{
    /// <summary>Condition type, e.g. Ready.</summary>
    public string Type { get; set; } = "";

    /// <summary>True, False or Unknown.</summary>
    public string Status { get; set; } = "Unknown";

    /// <summary>The generation the condition was computed from.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>When the status last changed.</summary>
    public DateTimeOffset? LastTransitionTime { get; set; }

    /// <summary>CamelCase reason.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable message.</summary>
    public string? Message { get; set; }
}
