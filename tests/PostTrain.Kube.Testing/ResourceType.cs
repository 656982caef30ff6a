namespace PostTrain.Kube.Testing;

/// <summary>One REST resource the test API server serves: group, version, plural name, kind and scope.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Kind,
    bool Namespaced,
    bool HasStatus,
    bool IsCustom = false)
{
    /// <summary>"v1" for the core group, "group/version" otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The list kind, e.g. PodList.</summary>
    public string ListKind => Kind + "List";

    /// <summary>Storage key shared by every version of the resource: "plural.group".</summary>
    public string StorageKey => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The "resource.group" name kube-apiserver uses in messages ("pods", "jobs.batch").</summary>
    public string QualifiedName => StorageKey;
}
