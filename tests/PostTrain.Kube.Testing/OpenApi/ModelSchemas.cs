using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// OpenAPI v3 schemas of the built-in kinds, made by reflection from the KubernetesClient models: objects, their
/// <c>[JsonPropertyName]</c> properties, lists, maps, int-or-string, quantities, timestamps and bytes, with the
/// models' documentation as descriptions and <c>x-kubernetes-group-version-kind</c> on kinds. References point
/// into <c>#/components/schemas/</c>; <see cref="SwaggerConversion"/> rewrites them for Swagger 2.0.
/// </summary>
internal static class ModelSchemas
{
    /// <summary>The reference prefix of OpenAPI v3 component schemas.</summary>
    public const string RefPrefix = "#/components/schemas/";

    // Schemas are built once per type and cloned into each document; JsonObject promises nothing about concurrent
    // reads, so the cache is used under a lock (servers in parallel test classes share it).
    private static readonly Dictionary<Type, (JsonObject Schema, Type[] References)> Cache = [];
    private static readonly Lock CacheLock = new();

    /// <summary>Whether a type is a plain model: a class of k8s.Models serialized property by property.</summary>
    public static bool IsModel(Type type) =>
        type.Namespace == "k8s.Models" && type.IsClass && !type.IsAbstract && !type.IsGenericType
        && type.GetCustomAttribute<JsonConverterAttribute>() is null
        && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null);

    /// <summary>The type a property holds once lists, maps and nullability are looked through.</summary>
    public static Type ElementType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(byte[]) || type == typeof(string))
        {
            return type;
        }

        if (MapValue(type) is { } value)
        {
            return ElementType(value);
        }

        return ListItem(type) is { } item ? ElementType(item) : type;
    }

    /// <summary>Adds the schema of a model, and of everything it refers to, under their definition names.</summary>
    public static void AddClosure(Type root, IDictionary<string, JsonNode> schemas)
    {
        var queue = new Queue<Type>([root]);
        while (queue.TryDequeue(out var type))
        {
            var name = NameOf(type);
            if (schemas.ContainsKey(name))
            {
                continue;
            }

            Type[] references;
            lock (CacheLock)
            {
                if (!Cache.TryGetValue(type, out var cached))
                {
                    Cache[type] = cached = Build(type);
                }

                schemas[name] = cached.Schema.DeepClone();
                references = cached.References;
            }

            foreach (var next in references)
            {
                queue.Enqueue(next);
            }
        }
    }

    /// <summary>A <c>{"$ref": ...}</c> to a definition.</summary>
    public static JsonObject Ref(string definition) => new() { ["$ref"] = RefPrefix + definition };

    /// <summary>A property referring to a definition, keeping its own description (OpenAPI 3.0 ignores a $ref's siblings).</summary>
    public static JsonObject RefProperty(string definition, string? description)
    {
        var property = new JsonObject { ["allOf"] = new JsonArray(Ref(definition)) };
        if (description is not null)
        {
            property["description"] = description;
        }

        return property;
    }

    /// <summary>The <c>x-kubernetes-group-version-kind</c> entry of a kind.</summary>
    public static JsonObject GroupVersionKind(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    private static string NameOf(Type type) => type == typeof(DateTime) ? DefinitionNames.Time : DefinitionNames.Of(type);

    private static (JsonObject Schema, Type[] References) Build(Type type)
    {
        if (type == typeof(DateTime))
        {
            return (new JsonObject
            {
                ["description"] = "A point in time, serialized in RFC 3339 form (2006-01-02T15:04:05Z).",
                ["type"] = "string",
                ["format"] = "date-time",
            }, []);
        }

        if (type == typeof(IntOrString))
        {
            return (new JsonObject
            {
                ["description"] = "Either an int32 or a string: a port number or name, a count or a percentage.",
                ["format"] = "int-or-string",
                ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
            }, []);
        }

        if (type == typeof(ResourceQuantity))
        {
            return (new JsonObject
            {
                ["description"] = "A fixed-point quantity: a number with an optional SI or binary suffix (500m, 2, 1.5Gi) or exponent (1e3).",
                ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" }),
            }, []);
        }

        var references = new HashSet<Type>();
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Info: p, Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(p => p.Name is not null)
            .OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var schema = TypeSchema(property.Info.PropertyType, references);
            var description = ModelDocumentation.Of(property.Info);
            if (schema.Count == 1 && schema["$ref"] is not null)
            {
                schema = RefProperty(((string)schema["$ref"]!)[RefPrefix.Length..], description);
            }
            else if (description is not null)
            {
                schema["description"] = description;
            }

            properties[property.Name!] = schema;
            if (property.Info.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.Info.PropertyType) is null)
            {
                required.Add(property.Name);
            }
        }

        var result = new JsonObject();
        if (ModelDocumentation.Of(type) is { } summary)
        {
            result["description"] = summary;
        }

        result["type"] = "object";
        result["properties"] = properties;
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        if (type.GetCustomAttribute<KubernetesEntityAttribute>() is { } entity)
        {
            result["x-kubernetes-group-version-kind"] = new JsonArray(GroupVersionKind(entity.Group ?? "", entity.ApiVersion, entity.Kind));
        }

        return (result, [.. references]);
    }

    /// <summary>The schema of a property's type; model types become references (collected in <paramref name="references"/>).</summary>
    private static JsonObject TypeSchema(Type type, ISet<Type> references)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsEnum)
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(short) || type == typeof(byte))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            references.Add(typeof(DateTime));
            return Ref(DefinitionNames.Time);
        }

        if (type == typeof(IntOrString) || type == typeof(ResourceQuantity) || IsModel(type))
        {
            references.Add(type);
            return Ref(DefinitionNames.Of(type));
        }

        if (MapValue(type) is { } value)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(value, references) };
        }

        if (ListItem(type) is { } item)
        {
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(item, references) };
        }

        // object: any JSON value (RawExtension, FieldsV1, JSON).
        return [];
    }

    private static Type? MapValue(Type type)
    {
        var map = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return map?.GetGenericArguments()[1];
    }

    private static Type? ListItem(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var list = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return type == typeof(string) ? null : list?.GetGenericArguments()[0];
    }
}
