namespace PostTrain.Kube.Client;

/// <summary>Patch formats, by content type.</summary>
public enum PatchType
{
    /// <summary>application/merge-patch+json (RFC 7386).</summary>
    Merge,

    /// <summary>application/json-patch+json (RFC 6902).</summary>
    JsonPatch,

    /// <summary>application/strategic-merge-patch+json (built-in kinds only).</summary>
    StrategicMerge,

    /// <summary>application/apply-patch+yaml (server-side apply; needs a field manager).</summary>
    Apply,
}

/// <summary>Content types of <see cref="PatchType"/>.</summary>
public static class PatchTypes
{
    /// <summary>The content type sent for a patch type.</summary>
    public static string ContentType(PatchType type) => type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.JsonPatch => "application/json-patch+json",
        PatchType.StrategicMerge => "application/strategic-merge-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown patch type"),
    };
}
