using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Applies schema defaults as kube-apiserver does after pruning and before validation
/// (apiextensions-apiserver pkg/apiserver/schema/defaulting/algorithm.go): a property with a default is set where it
/// is absent, or null without being nullable; then every field is defaulted recursively, including fields that were
/// just set from a default (so <c>default: {}</c> fills in the defaults below it), map values and array items.
/// </summary>
internal static class Defaulter
{
    /// <summary>Defaults <paramref name="x"/> in place.</summary>
    public static void Default(JsonNode? x, SchemaNode? schema)
    {
        if (schema is null)
        {
            return;
        }

        switch (x)
        {
            case JsonObject obj:
                foreach (var (name, property) in schema.PropertyList ?? [])
                {
                    if (property.Default is null)
                    {
                        continue;
                    }

                    if (!obj.TryGetPropertyValue(name, out var value) || IsNonNullableNull(value, property))
                    {
                        obj[name] = property.Default.DeepClone();
                    }
                }

                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        Default(obj[key], property);
                    }
                    else if (schema.AdditionalPropertiesAllows is not null)
                    {
                        var additional = schema.AdditionalPropertiesSchema;
                        if (IsNonNullableNull(obj[key], additional))
                        {
                            obj[key] = additional!.Default?.DeepClone();
                        }

                        Default(obj[key], additional);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (IsNonNullableNull(array[i], schema.Items))
                    {
                        array[i] = schema.Items!.Default?.DeepClone();
                    }

                    Default(array[i], schema.Items);
                }

                break;
        }
    }

    private static bool IsNonNullableNull(JsonNode? value, SchemaNode? schema) => value is null && schema is not null && !schema.Nullable;
}
