using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// Encodes a Swagger 2.0 document as the protobuf message client-go asks /openapi/v2 for
/// (application/com.github.proto-openapi.spec.v2@v1.0+protobuf: gnostic's openapi.v2.Document). kubectl reads
/// it when it validates on the client side, which it does for "kind: List" files and whenever the v3 documents
/// fail it. Field numbers follow gnostic's OpenAPIv2.proto; vendor extensions, defaults, examples and enum values
/// travel as YAML text (JSON is YAML).
/// </summary>
internal static class SwaggerProtobuf
{
    /// <summary>The encoded document.</summary>
    public static byte[] Encode(JsonObject swagger)
    {
        var writer = new ProtoWriter();
        writer.String(1, (string?)swagger["swagger"]);
        if (swagger["info"] is JsonObject info)
        {
            writer.Message(2, w =>
            {
                w.String(1, (string?)info["title"]);
                w.String(2, (string?)info["version"]);
            });
        }

        if (swagger["paths"] is JsonObject paths)
        {
            writer.Message(8, w =>
            {
                foreach (var (path, item) in paths)
                {
                    w.Message(2, named =>
                    {
                        named.String(1, path);
                        named.Message(2, p => PathItem(p, item as JsonObject ?? []));
                    });
                }
            });
        }

        if (swagger["definitions"] is JsonObject definitions)
        {
            writer.Message(9, w => NamedSchemas(w, definitions));
        }

        return writer.ToArray();
    }

    private static void PathItem(ProtoWriter w, JsonObject item)
    {
        foreach (var (method, field) in new[] { ("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("options", 6), ("head", 7), ("patch", 8) })
        {
            if (item[method] is JsonObject operation)
            {
                w.Message(field, o => Operation(o, operation));
            }
        }

        foreach (var parameter in (item["parameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(9, p => ParametersItem(p, parameter));
        }

        VendorExtensions(w, 10, item);
    }

    private static void Operation(ProtoWriter w, JsonObject operation)
    {
        w.Strings(1, StringList(operation["tags"]));
        w.String(3, (string?)operation["description"]);
        w.String(5, (string?)operation["operationId"]);
        w.Strings(6, StringList(operation["produces"]));
        w.Strings(7, StringList(operation["consumes"]));
        foreach (var parameter in (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(8, p => ParametersItem(p, parameter));
        }

        if (operation["responses"] is JsonObject responses)
        {
            w.Message(9, r =>
            {
                foreach (var (code, response) in responses)
                {
                    r.Message(1, named =>
                    {
                        named.String(1, code);
                        named.Message(2, value => value.Message(1, rw =>
                        {
                            rw.String(1, (string?)response?["description"]);
                            if (response?["schema"] is JsonObject schema)
                            {
                                rw.Message(2, item => item.Message(1, s => Schema(s, schema)));
                            }
                        }));
                    });
                }
            });
        }

        w.Strings(10, StringList(operation["schemes"]));
        w.Bool(11, (bool?)operation["deprecated"] ?? false);
        VendorExtensions(w, 13, operation);
    }

    /// <summary>ParametersItem { Parameter { BodyParameter = 1 | NonBodyParameter = 2 } }.</summary>
    private static void ParametersItem(ProtoWriter w, JsonObject parameter) => w.Message(1, p =>
    {
        var location = (string?)parameter["in"];
        if (location == "body")
        {
            p.Message(1, body =>
            {
                body.String(1, (string?)parameter["description"]);
                body.String(2, (string?)parameter["name"]);
                body.String(3, location);
                body.Bool(4, (bool?)parameter["required"] ?? false);
                if (parameter["schema"] is JsonObject schema)
                {
                    body.Message(5, s => Schema(s, schema));
                }
            });
            return;
        }

        // NonBodyParameter: header = 1, formData = 2, query = 3, path = 4. Path and header sub-schemas have no
        // allow_empty_value, so their later fields sit one number lower.
        var (field, shift) = location switch { "header" => (1, 1), "formData" => (2, 0), "path" => (4, 1), _ => (3, 0) };
        p.Message(2, nonBody => nonBody.Message(field, s =>
        {
            s.Bool(1, (bool?)parameter["required"] ?? false);
            s.String(2, location);
            s.String(3, (string?)parameter["description"]);
            s.String(4, (string?)parameter["name"]);
            s.String(6 - shift, (string?)parameter["type"]);
            s.String(7 - shift, (string?)parameter["format"]);
            s.Bool(20 - shift, (bool?)parameter["uniqueItems"] ?? false);
            VendorExtensions(s, 23 - shift, parameter);
        }));
    });

    private static void NamedSchemas(ProtoWriter w, JsonObject schemas)
    {
        foreach (var (name, schema) in schemas)
        {
            w.Message(1, named =>
            {
                named.String(1, name);
                named.Message(2, s => Schema(s, schema as JsonObject ?? []));
            });
        }
    }

    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, (string?)schema["$ref"]);
        w.String(2, (string?)schema["format"]);
        w.String(3, (string?)schema["title"]);
        w.String(4, (string?)schema["description"]);
        if (schema["default"] is { } defaultValue)
        {
            w.Message(5, a => Any(a, defaultValue));
        }

        w.Double(6, Number(schema["multipleOf"]));
        w.Double(7, Number(schema["maximum"]));
        w.Bool(8, (schema["exclusiveMaximum"] as JsonValue)?.TryGetValue<bool>(out var exclusiveMaximum) == true && exclusiveMaximum);
        w.Double(9, Number(schema["minimum"]));
        w.Bool(10, (schema["exclusiveMinimum"] as JsonValue)?.TryGetValue<bool>(out var exclusiveMinimum) == true && exclusiveMinimum);
        w.Int64(11, (long)Number(schema["maxLength"]));
        w.Int64(12, (long)Number(schema["minLength"]));
        w.String(13, (string?)schema["pattern"]);
        w.Int64(14, (long)Number(schema["maxItems"]));
        w.Int64(15, (long)Number(schema["minItems"]));
        w.Bool(16, (bool?)schema["uniqueItems"] ?? false);
        w.Int64(17, (long)Number(schema["maxProperties"]));
        w.Int64(18, (long)Number(schema["minProperties"]));
        w.Strings(19, StringList(schema["required"]));
        foreach (var value in schema["enum"] as JsonArray ?? [])
        {
            w.Message(20, a => Any(a, value));
        }

        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                w.Message(21, a => a.Message(1, s => Schema(s, additional)));
                break;
            case JsonValue allowed when allowed.TryGetValue<bool>(out var allows):
                w.Message(21, a => a.Bool(2, allows));
                break;
        }

        if (schema["type"] is { } type)
        {
            w.Message(22, t => t.Strings(1, type is JsonArray types ? StringList(types) : [(string)type!]));
        }

        switch (schema["items"])
        {
            case JsonObject item:
                w.Message(23, i => i.Message(1, s => Schema(s, item)));
                break;
            case JsonArray items:
                w.Message(23, i =>
                {
                    foreach (var item in items.OfType<JsonObject>())
                    {
                        i.Message(1, s => Schema(s, item));
                    }
                });
                break;
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(24, s => Schema(s, part));
        }

        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p => NamedSchemas(p, properties));
        }

        w.String(26, (string?)schema["discriminator"]);
        w.Bool(27, (bool?)schema["readOnly"] ?? false);
        if (schema["externalDocs"] is JsonObject docs)
        {
            w.Message(29, d =>
            {
                d.String(1, (string?)docs["description"]);
                d.String(2, (string?)docs["url"]);
            });
        }

        if (schema["example"] is { } example)
        {
            w.Message(30, a => Any(a, example));
        }

        VendorExtensions(w, 31, schema);
    }

    /// <summary>The x-* members as NamedAny { name = 1, value = 2 }.</summary>
    private static void VendorExtensions(ProtoWriter w, int field, JsonObject owner)
    {
        foreach (var (name, value) in owner)
        {
            if (name.StartsWith("x-", StringComparison.Ordinal))
            {
                w.Message(field, named =>
                {
                    named.String(1, name);
                    named.Message(2, a => Any(a, value));
                });
            }
        }
    }

    /// <summary>Any { yaml = 2 }: the value as YAML, here its JSON text.</summary>
    private static void Any(ProtoWriter w, JsonNode? value) => w.String(2, value?.ToJsonString() ?? "null");

    private static double Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? value.TryGetValue<double>(out var d) ? d : value.TryGetValue<long>(out var l) ? l : value.TryGetValue<int>(out var i) ? i : 0
            : 0;

    private static IEnumerable<string> StringList(JsonNode? node) =>
        (node as JsonArray ?? []).Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>();
}
