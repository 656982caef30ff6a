using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The uniqueness invariants of <c>x-kubernetes-list-type</c> (apiextensions-apiserver
/// pkg/apiserver/schema/listtype/validation.go): a set holds no item twice and a map list no two items with the same
/// <c>x-kubernetes-list-map-keys</c>; each repeated item is reported once, at its second appearance, as
/// <c>PATH[i]: Duplicate value: VALUE</c> (the map keys for a map list, e.g. <c>{"type":"Ready"}</c>).
/// </summary>
internal static class ListTypeValidator
{
    /// <summary>A marker no JSON value equals (the "unspecified key" of a single-key map list).</summary>
    private static readonly JsonNode Unspecified = new JsonObject { ["\0unspecified"] = true };

    /// <summary>The errors of <paramref name="obj"/> (the resource root).</summary>
    public static List<FieldError> Validate(SchemaNode? schema, JsonObject? obj)
    {
        var errors = new List<FieldError>();
        if (schema is not null && obj is not null)
        {
            ValidateObject(null, schema, obj, errors);
        }

        return errors;
    }

    private static void ValidateObject(string? path, SchemaNode schema, JsonObject obj, List<FieldError> errors)
    {
        if (schema.AdditionalPropertiesSchema is { } additional)
        {
            foreach (var (key, value) in obj)
            {
                ValidateValue(FieldPath.Key(path, key), additional, value, errors);
            }
        }

        if (schema.Properties is { } properties)
        {
            foreach (var (key, value) in obj)
            {
                if (properties.TryGetValue(key, out var property))
                {
                    ValidateValue(FieldPath.Child(path, key), property, value, errors);
                }
            }
        }
    }

    private static void ValidateValue(string path, SchemaNode schema, JsonNode? value, List<FieldError> errors)
    {
        switch (value)
        {
            case JsonArray array:
                ValidateArray(path, schema, array, errors);
                break;
            case JsonObject obj:
                ValidateObject(path, schema, obj, errors);
                break;
        }
    }

    private static void ValidateArray(string path, SchemaNode schema, JsonArray array, List<FieldError> errors)
    {
        switch (schema.ListType)
        {
            case "set":
                foreach (var i in RepeatedIndices(array.ToList()))
                {
                    errors.Add(FieldError.Duplicate(FieldPath.Index(path, i), array[i]));
                }

                break;
            case "map":
                errors.AddRange(ValidateMapList(path, schema, array));
                break;
        }

        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                ValidateValue(FieldPath.Index(path, i), items, array[i], errors);
            }
        }
    }

    private static List<FieldError> ValidateMapList(string path, SchemaNode schema, JsonArray array)
    {
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not null and not JsonObject)
            {
                return [FieldError.Invalid(FieldPath.Index(path, i), array[i], "must be an object for an array of list-type map")];
            }
        }

        if (array.Count <= 1)
        {
            return [];
        }

        var errors = new List<FieldError>();
        if (schema.ListMapKeys.Count == 1)
        {
            // One key: the key values themselves are compared; an item without the key has the "unspecified" key.
            var keyField = schema.ListMapKeys[0];
            var keys = array.Select(item => item is JsonObject o && o.TryGetPropertyValue(keyField, out var k) ? (Specified: true, Value: k) : (Specified: false, Value: null)).ToList();
            foreach (var i in RepeatedIndices(keys.Select(k => k.Specified ? k.Value : Unspecified).ToList()))
            {
                var shown = new JsonObject();
                if (keys[i].Specified)
                {
                    shown[keyField] = keys[i].Value?.DeepClone();
                }

                errors.Add(FieldError.Duplicate(FieldPath.Index(path, i), shown));
            }

            return errors;
        }

        var composite = array.Select(item =>
        {
            var key = new JsonObject();
            if (item is JsonObject o)
            {
                foreach (var field in schema.ListMapKeys)
                {
                    if (o.TryGetPropertyValue(field, out var v))
                    {
                        key[field] = v?.DeepClone();
                    }
                }
            }

            return (JsonNode?)key;
        }).ToList();
        foreach (var i in RepeatedIndices(composite))
        {
            errors.Add(FieldError.Duplicate(FieldPath.Index(path, i), composite[i]));
        }

        return errors;
    }

    /// <summary>validateListSet: the index of the second appearance of each value that appears more than once.</summary>
    private static List<int> RepeatedIndices(List<JsonNode?> items)
    {
        var repeated = new List<int>();
        if (items.Count <= 1)
        {
            return repeated;
        }

        var counts = new List<(JsonNode? Value, int Count)>();
        for (var i = 0; i < items.Count; i++)
        {
            var found = counts.FindIndex(c => ReferenceEquals(c.Value, items[i]) || Same(c.Value, items[i]));
            if (found < 0)
            {
                counts.Add((items[i], 1));
                continue;
            }

            if (counts[found].Count == 1)
            {
                repeated.Add(i);
            }

            counts[found] = (counts[found].Value, counts[found].Count + 1);
        }

        return repeated;
    }

    /// <summary>Compound values compare by their JSON, scalars by Go equality (so 1 and 1.0 differ).</summary>
    private static bool Same(JsonNode? a, JsonNode? b) =>
        JsonData.Kind(a) is GoKind.Object or GoKind.Array
            ? JsonData.Kind(b) is GoKind.Object or GoKind.Array && GoFormat.Json(a) == GoFormat.Json(b)
            : JsonData.DeepEqual(a, b);
}
