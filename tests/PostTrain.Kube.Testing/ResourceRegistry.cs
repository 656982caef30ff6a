using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The resources the server knows. Built-in kinds are registered up front; a CustomResourceDefinition
/// created at runtime registers each of its served versions (with scope and status subresource as declared).
/// </summary>
public sealed class ResourceRegistry
{
    private readonly ConcurrentDictionary<(string Group, string Version, string Plural), ResourceType> _types = new();

    /// <summary>Creates a registry holding the built-in kinds (<see cref="BuiltinResources"/>).</summary>
    public ResourceRegistry()
    {
        foreach (var type in BuiltinResources.All)
        {
            Register(type);
        }
    }

    /// <summary>Every registered resource.</summary>
    public IReadOnlyCollection<ResourceType> All => _types.Values.ToList();

    /// <summary>Adds or replaces a resource.</summary>
    public void Register(ResourceType type) => _types[(type.Group, type.Version, type.Plural)] = type;

    /// <summary>Finds a resource by group, version and plural.</summary>
    public bool TryGet(string group, string version, string plural, out ResourceType type)
    {
        if (_types.TryGetValue((group, version, plural), out var found))
        {
            type = found;
            return true;
        }

        type = null!;
        return false;
    }

    /// <summary>Whether any version of the group is served.</summary>
    public bool HasGroupVersion(string group, string version) => _types.Keys.Any(k => k.Group == group && k.Version == version);

    /// <summary>Registers the served versions of a CustomResourceDefinition object.</summary>
    public IReadOnlyList<ResourceType> RegisterCustomResourceDefinition(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject ?? throw new ArgumentException("CustomResourceDefinition has no spec");
        var group = (string?)spec["group"] ?? throw new ArgumentException("spec.group is required");
        var names = spec["names"] as JsonObject ?? throw new ArgumentException("spec.names is required");
        var plural = (string?)names["plural"] ?? throw new ArgumentException("spec.names.plural is required");
        var kind = (string?)names["kind"] ?? throw new ArgumentException("spec.names.kind is required");
        var namespaced = !string.Equals((string?)spec["scope"], "Cluster", StringComparison.Ordinal);
        var registered = new List<ResourceType>();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = (string?)version["name"];
            if (name is null || version["served"] is JsonValue served && !served.GetValue<bool>())
            {
                continue;
            }

            var hasStatus = version["subresources"]?["status"] is not null;
            var type = new ResourceType(group, name, plural, kind, namespaced, hasStatus, IsCustom: true)
            {
                Singular = (string?)names["singular"] is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                CrdVersion = version,
                Crd = crd,
            };
            Register(type);
            registered.Add(type);
        }

        return registered;
    }

    private static List<string> Strings(JsonNode? array) => (array as JsonArray ?? []).Select(n => (string?)n).OfType<string>().ToList();

    /// <summary>Removes the resources a deleted CustomResourceDefinition served.</summary>
    public void UnregisterCustomResourceDefinition(JsonObject crd)
    {
        var group = (string?)crd["spec"]?["group"];
        var plural = (string?)crd["spec"]?["names"]?["plural"];
        foreach (var key in _types.Keys.Where(k => k.Group == group && k.Plural == plural).ToList())
        {
            _types.TryRemove(key, out _);
        }
    }
}
