using System.Text.Json.Nodes;
using k8s.Models;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// The OpenAPI 3.0 document of one group version (/openapi/v3/api/v1, /openapi/v3/apis/&lt;group&gt;/&lt;version&gt;):
/// the paths of its resources and, under components.schemas, the schemas of their kinds and of everything those
/// refer to. Built-in kinds come from the KubernetesClient models; custom kinds from their CRD.
/// </summary>
internal static class GroupVersionDocument
{
    /// <summary>"api/v1" or "apis/&lt;group&gt;/&lt;version&gt;": the document's key in the /openapi/v3 discovery.</summary>
    public static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    /// <summary>Builds the document of <paramref name="types"/>, all of one group version.</summary>
    /// <param name="types">The resources served in the group version.</param>
    /// <param name="crdOf">The stored CustomResourceDefinition of a custom resource, or null.</param>
    public static JsonObject Build(IEnumerable<ResourceType> types, Func<ResourceType, JsonObject?> crdOf)
    {
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var paths = new JsonObject();
        foreach (var type in types.OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            var (kind, list) = type.IsCustom ? CustomResourceSchemas.Add(type, crdOf(type), schemas) : AddBuiltin(type, schemas);
            ResourceOperations.Add(paths, type, kind, list);
        }

        ModelSchemas.AddClosure(typeof(V1DeleteOptions), schemas);
        ModelSchemas.AddClosure(typeof(V1Status), schemas);
        schemas[DefinitionNames.Patch] = new JsonObject
        {
            ["description"] = "The body of a PATCH request, in the format its content type names.",
            ["type"] = "object",
        };

        var sortedPaths = new JsonObject();
        foreach (var (path, item) in paths.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            paths.Remove(path);
            sortedPaths[path] = item;
        }

        var components = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            components[name] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = sortedPaths,
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }

    /// <summary>A built-in kind: its model's schemas, or objects of any shape for a kind the models lack.</summary>
    private static (string Kind, string List) AddBuiltin(ResourceType type, IDictionary<string, JsonNode> schemas)
    {
        if (DefinitionNames.Kinds.TryGetValue((type.Group, type.Version, type.Kind), out var model)
            && DefinitionNames.Kinds.TryGetValue((type.Group, type.Version, type.ListKind), out var listModel))
        {
            ModelSchemas.AddClosure(model, schemas);
            ModelSchemas.AddClosure(listModel, schemas);
            return (DefinitionNames.Of(model), DefinitionNames.Of(listModel));
        }

        var package = $"{DefinitionNames.PackageOfGroup(type.Group)}.{type.Version}";
        var kind = $"{package}.{type.Kind}";
        var list = $"{package}.{type.ListKind}";
        schemas[kind] = new JsonObject
        {
            ["type"] = "object",
            ["x-kubernetes-preserve-unknown-fields"] = true,
            ["x-kubernetes-group-version-kind"] = new JsonArray(ModelSchemas.GroupVersionKind(type.Group, type.Version, type.Kind)),
        };
        schemas[list] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["items"] = new JsonObject { ["type"] = "array", ["items"] = ModelSchemas.Ref(kind) },
                ["metadata"] = ModelSchemas.RefProperty(DefinitionNames.ListMeta, null),
            },
            ["x-kubernetes-group-version-kind"] = new JsonArray(ModelSchemas.GroupVersionKind(type.Group, type.Version, type.ListKind)),
        };
        ModelSchemas.AddClosure(typeof(V1ListMeta), schemas);
        return (kind, list);
    }
}
