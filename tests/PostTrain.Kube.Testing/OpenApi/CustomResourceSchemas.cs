using System.Text.Json.Nodes;
using k8s.Models;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// The OpenAPI v3 schemas of a custom resource, as the apiextensions server publishes them: the version's
/// <c>schema.openAPIV3Schema</c> with apiVersion, kind and a reference to ObjectMeta for metadata, named
/// "&lt;reversed group&gt;.&lt;version&gt;.&lt;Kind&gt;" (dev.posttrain.v1alpha1.SftJob), and its list kind.
/// </summary>
internal static class CustomResourceSchemas
{
    private const string ApiVersionDescription =
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.";

    private const string KindDescription =
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.";

    private const string MetadataDescription = "Standard object's metadata.";

    /// <summary>The definition name of a custom kind.</summary>
    public static string DefinitionName(string group, string version, string kind) =>
        $"{string.Join('.', group.Split('.').Reverse())}.{version}.{kind}";

    /// <summary>
    /// Adds the schemas of a custom resource's kind and list kind (and the metadata definitions they refer to);
    /// returns their definition names. Without a stored CRD or a schema, objects of any shape are described.
    /// </summary>
    public static (string Kind, string List) Add(ResourceType type, JsonObject? crd, IDictionary<string, JsonNode> schemas)
    {
        var listKind = (string?)crd?["spec"]?["names"]?["listKind"] ?? type.ListKind;
        var kindName = DefinitionName(type.Group, type.Version, type.Kind);
        var listName = DefinitionName(type.Group, type.Version, listKind);

        var version = (crd?["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(v => (string?)v["name"] == type.Version);
        var schema = version?["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject
            ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        schema["type"] ??= "object";
        if (schema["properties"] is not JsonObject properties)
        {
            schema["properties"] = properties = [];
        }

        properties["apiVersion"] = StringProperty((string?)properties["apiVersion"]?["description"] ?? ApiVersionDescription);
        properties["kind"] = StringProperty((string?)properties["kind"]?["description"] ?? KindDescription);
        properties["metadata"] = ModelSchemas.RefProperty(DefinitionNames.ObjectMeta, MetadataDescription);
        schema["x-kubernetes-group-version-kind"] = new JsonArray(ModelSchemas.GroupVersionKind(type.Group, type.Version, type.Kind));
        schemas[kindName] = schema;

        schemas[listName] = new JsonObject
        {
            ["description"] = $"{listKind} is a list of {type.Kind}",
            ["type"] = "object",
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = StringProperty(ApiVersionDescription),
                ["items"] = new JsonObject
                {
                    ["description"] = $"List of {type.Plural}.",
                    ["type"] = "array",
                    ["items"] = ModelSchemas.Ref(kindName),
                },
                ["kind"] = StringProperty(KindDescription),
                ["metadata"] = ModelSchemas.RefProperty(DefinitionNames.ListMeta, "Standard list metadata."),
            },
            ["x-kubernetes-group-version-kind"] = new JsonArray(ModelSchemas.GroupVersionKind(type.Group, type.Version, listKind)),
        };

        ModelSchemas.AddClosure(typeof(V1ObjectMeta), schemas);
        ModelSchemas.AddClosure(typeof(V1ListMeta), schemas);
        return (kindName, listName);
    }

    private static JsonObject StringProperty(string description) => new() { ["description"] = description, ["type"] = "string" };
}
