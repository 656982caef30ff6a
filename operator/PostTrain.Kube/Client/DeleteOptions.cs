namespace PostTrain.Kube.Client;

/// <summary>How dependents are handled when an owner is deleted.</summary>
public enum PropagationPolicy
{
    /// <summary>Delete the owner now, dependents in the background.</summary>
    Background,

    /// <summary>Delete dependents first; the owner stays (with deletionTimestamp) until they are gone.</summary>
    Foreground,

    /// <summary>Leave dependents, removing their owner reference.</summary>
    Orphan,
}

/// <summary>Options of a delete request.</summary>
public sealed record DeleteOptions
{
    /// <summary>Cascading policy; null = the resource's default.</summary>
    public PropagationPolicy? PropagationPolicy { get; init; }

    /// <summary>Delete only if the uid still matches.</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only if the resourceVersion still matches.</summary>
    public string? PreconditionResourceVersion { get; init; }

    /// <summary>Grace period; 0 deletes immediately.</summary>
    public long? GracePeriodSeconds { get; init; }
}
