using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Drops the fields a structural schema does not specify, as kube-apiserver does while decoding a custom resource
/// (apiextensions-apiserver pkg/apiserver/schema/pruning/algorithm.go), and the nulls it would not keep
/// (schema/defaulting/prunenulls.go). <c>x-kubernetes-preserve-unknown-fields</c> keeps a node's unknown fields;
/// apiVersion, kind and metadata of the resource root and of <c>x-kubernetes-embedded-resource</c> objects are
/// left to <see cref="ObjectMetaFields"/>.
/// </summary>
internal static class Pruner
{
    private static readonly HashSet<string> MetaFields = new(StringComparer.Ordinal) { "apiVersion", "kind", "metadata" };

    /// <summary>Prunes <paramref name="obj"/> in place; returns the pruned paths sorted (e.g. <c>spec.foo</c>, <c>spec.items[0].bar</c>).</summary>
    public static List<string> Prune(JsonNode? obj, SchemaNode? schema, bool isResourceRoot)
    {
        var unknown = new List<string>();
        Prune(obj, schema ?? new SchemaNode(), isResourceRoot || (schema?.EmbeddedResource ?? false), "", unknown);
        unknown.Sort(StringComparer.Ordinal);
        return unknown;
    }

    /// <summary>A copy of a default value without the fields its schema does not specify.</summary>
    public static JsonNode? PruneDefault(JsonNode value, SchemaNode schema)
    {
        var copy = value.DeepClone();
        Prune(copy, schema, schema.EmbeddedResource, "", []);
        return copy;
    }

    /// <summary>Removes null values of fields that are neither nullable nor defaulted (prunenulls.go).</summary>
    public static void PruneNonNullableNullsWithoutDefaults(JsonNode? x, SchemaNode? schema)
    {
        switch (x)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    var fieldSchema = ForField(key, schema);
                    if (value is null && fieldSchema is not null && !fieldSchema.Nullable && fieldSchema.Default is null)
                    {
                        obj.Remove(key);
                    }
                    else
                    {
                        PruneNonNullableNullsWithoutDefaults(value, fieldSchema);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    PruneNonNullableNullsWithoutDefaults(item, schema?.Items);
                }

                break;
        }
    }

    private static SchemaNode? ForField(string key, SchemaNode? schema)
    {
        if (schema is null)
        {
            return null;
        }

        if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
        {
            return property;
        }

        return schema.AdditionalPropertiesAllows is not null ? schema.AdditionalPropertiesSchema : null;
    }

    private static void Prune(JsonNode? x, SchemaNode? schema, bool embedded, string path, List<string> unknown)
    {
        if (schema is not null && schema.PreserveUnknownFields)
        {
            SkipPrune(x, schema, embedded, path, unknown);
            return;
        }

        switch (x)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (schema is null)
                    {
                        unknown.Add(Key(path, key));
                        obj.Remove(key);
                        continue;
                    }

                    if (embedded && MetaFields.Contains(key))
                    {
                        continue;
                    }

                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        Prune(value, property, property.EmbeddedResource, Key(path, key), unknown);
                    }
                    else if (schema.AdditionalPropertiesAllows is not null)
                    {
                        var additional = schema.AdditionalPropertiesSchema;
                        Prune(value, additional, additional?.EmbeddedResource ?? false, Key(path, key), unknown);
                    }
                    else
                    {
                        if (!MetaFields.Contains(key) || path.Length > 0)
                        {
                            unknown.Add(Key(path, key));
                        }

                        obj.Remove(key);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var items = schema?.Items;
                    Prune(array[i], items, items?.EmbeddedResource ?? false, Index(path, i), unknown);
                }

                break;
        }
    }

    private static void SkipPrune(JsonNode? x, SchemaNode? schema, bool embedded, string path, List<string> unknown)
    {
        if (schema is null)
        {
            return;
        }

        switch (x)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (embedded && MetaFields.Contains(key))
                    {
                        continue;
                    }

                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        Prune(value, property, property.EmbeddedResource, Key(path, key), unknown);
                    }
                    else if (schema.AdditionalPropertiesAllows is not null)
                    {
                        var additional = schema.AdditionalPropertiesSchema;
                        Prune(value, additional, additional?.EmbeddedResource ?? false, Key(path, key), unknown);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var items = schema.Items;
                    SkipPrune(array[i], items, items?.EmbeddedResource ?? false, Index(path, i), unknown);
                }

                break;
        }
    }

    private static string Key(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Index(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
