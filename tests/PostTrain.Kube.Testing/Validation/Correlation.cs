using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// A value of an updated object paired with its old value, for validation ratcheting (CRDValidationRatcheting, on by
/// default since 1.30): errors found in a part of the object that did not change are not reported. Pairing follows
/// k8s.io/apiserver pkg/cel/common/equality.go (CorrelatedObject): object fields pair by name when both sides have
/// them and the schema declares them (a property or additionalProperties); array items pair only in
/// <c>x-kubernetes-list-type: map</c> lists, by their map keys.
/// </summary>
internal sealed class Correlation
{
    private bool? _equal;

    public Correlation(JsonNode? value, JsonNode? oldValue, SchemaNode? schema)
    {
        Value = value;
        OldValue = oldValue;
        Schema = schema;
    }

    public JsonNode? Value { get; }

    public JsonNode? OldValue { get; }

    public SchemaNode? Schema { get; }

    /// <summary>The correlated child for an object field, or null where it cannot be paired.</summary>
    public Correlation? Key(string field)
    {
        if (Schema is null || OldValue is not JsonObject oldObj || Value is not JsonObject newObj)
        {
            return null;
        }

        if (!oldObj.TryGetPropertyValue(field, out var oldValue) || !newObj.TryGetPropertyValue(field, out var newValue))
        {
            return null;
        }

        var schema = Schema.Properties is not null && Schema.Properties.TryGetValue(field, out var property)
            ? property
            : Schema.AdditionalPropertiesSchema;
        return schema is null ? null : new Correlation(newValue, oldValue, schema);
    }

    /// <summary>The correlated child for an array item (map lists only), or null.</summary>
    public Correlation? Index(int index)
    {
        if (Schema?.Items is null || Value is not JsonArray newArray || index >= newArray.Count || OldValue is not JsonArray oldArray)
        {
            return null;
        }

        if (Schema.ListType != "map")
        {
            return null;
        }

        var old = MapListItem(Schema, oldArray, newArray[index]);
        return old is null ? null : new Correlation(newArray[index], old, Schema.Items);
    }

    /// <summary>Whether the value equals its old value (CachedDeepEqual).</summary>
    public bool DeepEqual() => _equal ??= ComputeEqual();

    /// <summary>The item of a map list whose map keys equal those of <paramref name="item"/>, or null (maplist.go).</summary>
    public static JsonNode? MapListItem(SchemaNode schema, JsonArray? list, JsonNode? item)
    {
        if (list is null || item is not JsonObject wanted || schema.ListMapKeys.Count == 0)
        {
            return null;
        }

        var keys = new List<JsonNode?>();
        foreach (var key in schema.ListMapKeys)
        {
            if (!wanted.TryGetPropertyValue(key, out var value) || JsonData.Kind(value) is GoKind.Object or GoKind.Array)
            {
                return null;
            }

            keys.Add(value);
        }

        foreach (var candidate in list)
        {
            if (candidate is not JsonObject obj)
            {
                continue;
            }

            var match = true;
            for (var i = 0; i < schema.ListMapKeys.Count && match; i++)
            {
                match = obj.TryGetPropertyValue(schema.ListMapKeys[i], out var value) && JsonData.DeepEqual(value, keys[i]);
            }

            if (match)
            {
                return obj;
            }
        }

        return null;
    }

    private bool ComputeEqual()
    {
        if (Value is null && OldValue is null)
        {
            return true;
        }

        if (Value is null || OldValue is null)
        {
            return false;
        }

        switch (Value)
        {
            case JsonArray newArray when OldValue is JsonArray oldArray:
                if (newArray.Count != oldArray.Count)
                {
                    return false;
                }

                for (var i = 0; i < newArray.Count; i++)
                {
                    var child = Index(i);
                    if (child is null)
                    {
                        // Lists that are not map lists compare as a whole; an unmatched map-list item differs.
                        return Schema?.ListType != "map" || Schema.Items is null ? JsonData.DeepEqual(OldValue, Value) : false;
                    }

                    if (!child.DeepEqual())
                    {
                        return false;
                    }
                }

                return true;
            case JsonObject newObj when OldValue is JsonObject oldObj:
                if (newObj.Count != oldObj.Count)
                {
                    return false;
                }

                foreach (var (key, _) in newObj)
                {
                    var child = Key(key);
                    if (child is null || !child.DeepEqual())
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray or JsonObject:
                return false;
            default:
                return OldValue is not (JsonArray or JsonObject) && JsonData.DeepEqual(OldValue, Value);
        }
    }
}
