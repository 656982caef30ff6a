using System.Text.Json.Nodes;

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

    /// <summary>
    /// Whether objects carry <c>metadata.generation</c> (bumped on spec changes): custom resources and the built-in
    /// kinds whose registry strategy keeps one (workloads, pods, CRDs, PDBs, NetworkPolicies); ConfigMaps, Secrets,
    /// Namespaces and the like have none.
    /// </summary>
    public bool HasGeneration => IsCustom || (Group, Plural) is ("", "pods") or ("apps", "deployments") or ("batch", "jobs")
        or ("apiextensions.k8s.io", "customresourcedefinitions") or ("policy", "poddisruptionbudgets") or ("networking.k8s.io", "networkpolicies");

    /// <summary>The singular name discovery reports (kubectl accepts it: <c>kubectl get sftjob</c>).</summary>
    public string Singular { get; init; } = Kind.ToLowerInvariant();

    /// <summary>Short names discovery reports (<c>kubectl get po</c>).</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Categories discovery reports (<c>kubectl get all</c>, <c>kubectl get posttrain</c>).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Subresources besides status (e.g. <c>log</c> for pods).</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];

    /// <summary>For a custom resource: the CustomResourceDefinition version entry it was registered from (schema, printer columns).</summary>
    public JsonObject? CrdVersion { get; init; }

    /// <summary>For a custom resource: the whole CustomResourceDefinition.</summary>
    public JsonObject? Crd { get; init; }
}
