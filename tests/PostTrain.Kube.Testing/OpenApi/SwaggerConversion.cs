using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// The Swagger 2.0 document of /openapi/v2, made from the OpenAPI 3.0 documents of every group version: their
/// component schemas become <c>definitions</c> (references rewritten to <c>#/definitions/</c>, a described
/// reference as <c>$ref</c> beside its description, no oneOf), their operations take body parameters and
/// <c>consumes</c>/<c>produces</c> lists instead of request bodies and response contents.
/// </summary>
internal static class SwaggerConversion
{
    private const string DefinitionsPrefix = "#/definitions/";

    /// <summary>Merges and converts the group-version documents.</summary>
    public static JsonObject Build(IEnumerable<JsonObject> groupVersionDocuments)
    {
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var paths = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var document in groupVersionDocuments)
        {
            foreach (var (name, schema) in document["components"]?["schemas"] as JsonObject ?? [])
            {
                if (schema is not null && !definitions.ContainsKey(name))
                {
                    definitions[name] = Schema(schema);
                }
            }

            foreach (var (path, item) in document["paths"] as JsonObject ?? [])
            {
                if (item is JsonObject pathItem)
                {
                    paths[path] = PathItem(pathItem);
                }
            }
        }

        var result = new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.34.0-test" },
            ["paths"] = new JsonObject(),
            ["definitions"] = new JsonObject(),
        };
        foreach (var (path, item) in paths)
        {
            result["paths"]![path] = item;
        }

        foreach (var (name, schema) in definitions)
        {
            result["definitions"]![name] = schema;
        }

        return result;
    }

    /// <summary>Converts one OpenAPI 3.0 schema (recursively) to a Swagger 2.0 schema.</summary>
    public static JsonNode Schema(JsonNode node)
    {
        switch (node)
        {
            case JsonArray array:
                return new JsonArray([.. array.Select(e => e is null ? null : Schema(e))]);
            case not JsonObject:
                return node.DeepClone();
        }

        var schema = (JsonObject)node;
        var result = new JsonObject();

        // {"allOf": [{"$ref": X}], "description": ...} -> {"$ref": X, "description": ...}
        if (schema["allOf"] is JsonArray { Count: 1 } allOf && allOf[0] is JsonObject { Count: 1 } only && only["$ref"] is not null && schema["properties"] is null)
        {
            result["$ref"] = Ref((string)only["$ref"]!);
            if (schema["description"] is { } description)
            {
                result["description"] = description.DeepClone();
            }

            return result;
        }

        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "$ref":
                    result[key] = Ref((string)value!);
                    break;
                case "nullable":
                    result["x-nullable"] = value?.DeepClone();
                    break;
                case "oneOf" or "anyOf" or "not":
                    // Swagger 2.0 has none of these; a value that may be several types is described as a string.
                    if (key == "oneOf" && schema["type"] is null)
                    {
                        result["type"] = "string";
                    }

                    break;
                case "properties" or "patternProperties" or "definitions" when value is JsonObject map:
                    var converted = new JsonObject();
                    foreach (var (name, sub) in map)
                    {
                        converted[name] = sub is null ? null : Schema(sub);
                    }

                    result[key] = converted;
                    break;
                case "items" or "additionalProperties" or "allOf" when value is JsonObject or JsonArray:
                    result[key] = Schema(value);
                    break;
                default:
                    result[key] = value?.DeepClone();
                    break;
            }
        }

        // kubectl's v2 models reject an array without items, and would reject unknown fields that
        // x-kubernetes-preserve-unknown-fields allows: such an object is described as a map of anything.
        if (result["type"] is JsonValue type && type.TryGetValue<string>(out var typeName) && typeName == "array" && result["items"] is null)
        {
            result["items"] = new JsonObject();
        }

        if (result["x-kubernetes-preserve-unknown-fields"] is JsonValue preserve && preserve.TryGetValue<bool>(out var preserves) && preserves)
        {
            result.Remove("properties");
            result.Remove("required");
        }

        return result;
    }

    private static string Ref(string reference) =>
        reference.StartsWith(ModelSchemas.RefPrefix, StringComparison.Ordinal) ? DefinitionsPrefix + reference[ModelSchemas.RefPrefix.Length..] : reference;

    private static JsonObject PathItem(JsonObject item)
    {
        var result = new JsonObject();
        foreach (var (key, value) in item)
        {
            result[key] = key switch
            {
                "parameters" when value is JsonArray parameters => new JsonArray([.. parameters.OfType<JsonObject>().Select(Parameter)]),
                "get" or "put" or "post" or "delete" or "patch" or "head" or "options" when value is JsonObject operation => Operation(operation),
                _ => value?.DeepClone(),
            };
        }

        return result;
    }

    private static JsonObject Operation(JsonObject operation)
    {
        var result = new JsonObject();
        var parameters = new JsonArray();
        foreach (var parameter in (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            parameters.Add(Parameter(parameter));
        }

        var produces = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in operation)
        {
            switch (key)
            {
                case "parameters":
                    break;
                case "requestBody" when value is JsonObject body:
                    var content = body["content"] as JsonObject ?? [];
                    result["consumes"] = new JsonArray([.. content.Select(c => (JsonNode?)JsonValue.Create(c.Key))]);
                    var schema = content.Select(c => c.Value?["schema"]).FirstOrDefault(s => s is not null);
                    parameters.Add(new JsonObject
                    {
                        ["in"] = "body",
                        ["name"] = "body",
                        ["required"] = true,
                        ["schema"] = schema is null ? new JsonObject() : Schema(schema),
                    });
                    break;
                case "responses" when value is JsonObject responses:
                    var converted = new JsonObject();
                    foreach (var (code, response) in responses)
                    {
                        var r = new JsonObject { ["description"] = response?["description"]?.DeepClone() };
                        if (response?["content"] is JsonObject responseContent)
                        {
                            produces.UnionWith(responseContent.Select(c => c.Key));
                            if (responseContent.Select(c => c.Value?["schema"]).FirstOrDefault(s => s is not null) is { } responseSchema)
                            {
                                r["schema"] = Schema(responseSchema);
                            }
                        }

                        converted[code] = r;
                    }

                    result["responses"] = converted;
                    break;
                default:
                    result[key] = value?.DeepClone();
                    break;
            }
        }

        if (parameters.Count > 0)
        {
            result["parameters"] = parameters;
        }

        if (produces.Count > 0)
        {
            result["produces"] = new JsonArray([.. produces.Select(p => (JsonNode?)JsonValue.Create(p))]);
        }

        return result;
    }

    /// <summary>A v3 parameter ({"schema": {"type": ...}}) as a v2 parameter ({"type": ...}).</summary>
    private static JsonObject Parameter(JsonObject parameter)
    {
        var result = new JsonObject();
        foreach (var (key, value) in parameter)
        {
            if (key == "schema" && value is JsonObject schema)
            {
                foreach (var (k, v) in schema)
                {
                    result[k] = v?.DeepClone();
                }
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }
}
