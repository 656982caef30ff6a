using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// Builds the OpenAPI documents from the served resources (the <see cref="ResourceRegistry"/>) and the stored
/// CustomResourceDefinitions, and keeps them until either changes.
/// </summary>
internal sealed class OpenApiDocuments(ObjectStore store)
{
    private readonly Lock _lock = new();
    private OpenApiSnapshot? _current;

    /// <summary>The documents for the resources served now.</summary>
    public OpenApiSnapshot Current()
    {
        var types = store.Registry.All
            .OrderBy(t => t.Group, StringComparer.Ordinal).ThenBy(t => t.Version, StringComparer.Ordinal).ThenBy(t => t.Plural, StringComparer.Ordinal)
            .ToList();
        var crds = StoredCustomResourceDefinitions();
        var fingerprint = new StringBuilder();
        foreach (var t in types)
        {
            fingerprint.Append(CultureInfo.InvariantCulture, $"{t.Group}/{t.Version}/{t.Plural}/{t.Kind}/{t.Namespaced}/{t.HasStatus}/{t.IsCustom};");
        }

        foreach (var crd in crds)
        {
            fingerprint.Append(CultureInfo.InvariantCulture, $"{crd["metadata"]?["name"]}@{crd["metadata"]?["resourceVersion"]};");
        }

        lock (_lock)
        {
            if (_current?.Fingerprint == fingerprint.ToString())
            {
                return _current;
            }

            JsonObject? CrdOf(ResourceType type) => crds.FirstOrDefault(c =>
                (string?)c["spec"]?["group"] == type.Group && (string?)c["spec"]?["names"]?["plural"] == type.Plural);

            var documents = types
                .GroupBy(t => GroupVersionDocument.PathOf(t.Group, t.Version))
                .ToDictionary(g => g.Key, g => GroupVersionDocument.Build(g, CrdOf), StringComparer.Ordinal);
            _current = new OpenApiSnapshot(fingerprint.ToString(), documents);
            return _current;
        }
    }

    private List<JsonObject> StoredCustomResourceDefinitions()
    {
        if (!store.Registry.TryGet("apiextensions.k8s.io", "v1", "customresourcedefinitions", out var crdType))
        {
            return [];
        }

        var list = store.List(crdType, null, Selector.Everything, Selector.Everything, null, null);
        return [.. (list["items"] as JsonArray ?? []).OfType<JsonObject>()];
    }
}
