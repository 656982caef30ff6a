using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The schema of one version of a CustomResourceDefinition, read once and cached by its content: the group, kind
/// and version it serves, the parsed <c>openAPIV3Schema</c> (null when the version has none), and the evaluator of
/// its CEL rules.
/// </summary>
internal sealed class CrdVersionSchema
{
    private static readonly ConcurrentDictionary<string, CrdVersionSchema> Cache = new(StringComparer.Ordinal);

    // Stored objects are never changed in place, so a version entry seen before maps to the schema parsed from it
    // without serializing the schema again (the key above) on every write.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<JsonObject, CrdVersionSchema> ByVersionObject = [];

    private CrdVersionSchema(string group, string kind, string version, SchemaNode? root, bool preserveUnknownFields)
    {
        Group = group;
        Kind = kind;
        Version = version;
        Root = root;
        PreserveUnknownFields = preserveUnknownFields;
    }

    public string Group { get; }

    public string Kind { get; }

    public string Version { get; }

    public SchemaNode? Root { get; }

    /// <summary>The schema of <c>status</c>, which the status subresource validates alone.</summary>
    public SchemaNode? Status => Root?.Properties is { } p && p.TryGetValue("status", out var status) ? status : null;

    /// <summary><c>spec.preserveUnknownFields</c> (apiextensions/v1beta1 only): nothing is pruned.</summary>
    public bool PreserveUnknownFields { get; }

    public CelRuleValidator Cel { get; } = new();

    /// <summary>The schema of <paramref name="version"/> of <paramref name="crd"/>.</summary>
    /// <exception cref="ArgumentException">The CRD has no such version, or no group or kind.</exception>
    public static CrdVersionSchema For(JsonObject crd, string version)
    {
        var spec = crd["spec"] as JsonObject ?? throw new ArgumentException("CustomResourceDefinition has no spec", nameof(crd));
        var group = Text(spec["group"]) ?? throw new ArgumentException("spec.group is required", nameof(crd));
        var kind = Text(spec["names"]?["kind"]) ?? throw new ArgumentException("spec.names.kind is required", nameof(crd));
        var versionObject = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(v => Text(v["name"]) == version)
            ?? throw new ArgumentException($"CustomResourceDefinition {kind}.{group} has no version {version}", nameof(version));
        if (ByVersionObject.TryGetValue(versionObject, out var known))
        {
            return known;
        }

        var schema = versionObject["schema"]?["openAPIV3Schema"] as JsonObject ?? spec["validation"]?["openAPIV3Schema"] as JsonObject;
        var preserve = spec["preserveUnknownFields"] is JsonValue p && p.GetValueKind() == JsonValueKind.True;
        var key = string.Join('\n', group, kind, version, preserve ? "1" : "0", schema?.ToJsonString() ?? "");
        var parsed = Cache.GetOrAdd(key, _ => new CrdVersionSchema(group, kind, version, schema is null ? null : SchemaNode.Parse(schema), preserve));
        ByVersionObject.AddOrUpdate(versionObject, parsed);
        return parsed;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
