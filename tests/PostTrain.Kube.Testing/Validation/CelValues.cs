using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Decoded JSON as CEL sees it in a validation rule, typed by the schema as k8s.io/apiserver pkg/cel/common
/// UnstructuredToVal does: objects with properties expose only their declared fields, <c>number</c> values are
/// doubles even when written as integers, strings of format date-time or date are timestamps and of format duration
/// durations, null fields of objects read as absent, and the resource root and embedded resources expose apiVersion, kind and only name and generateName of
/// their metadata (WithTypeAndObjectMeta). Maps become dictionaries and arrays lists for the Cel package.
/// </summary>
internal static class CelValues
{
    private static readonly string[] DateTimeLayouts =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss",
    ];

    /// <summary>The CEL value of <paramref name="value"/> under <paramref name="schema"/>.</summary>
    public static object? ToCel(JsonNode? value, SchemaNode? schema, bool withTypeAndObjectMeta)
    {
        if (value is null)
        {
            return null;
        }

        if (schema is null)
        {
            return Generic(value);
        }

        var kind = JsonData.Kind(value);
        if (schema.IntOrString)
        {
            return kind switch
            {
                GoKind.Int64 => JsonData.TryInt64(value, out var i) ? i : 0L,
                _ => Generic(value),
            };
        }

        switch (schema.Type)
        {
            case "object" when value is JsonObject obj:
                return Object(obj, schema, withTypeAndObjectMeta || schema.EmbeddedResource);
            case "array" when value is JsonArray array:
                return array.Select(item => ToCel(item, schema.Items, schema.Items?.EmbeddedResource ?? false)).ToList();
            case "string" when kind == GoKind.String:
                return String(JsonData.String(value), schema.DeclaredFormat);
            case "number" when kind is GoKind.Int64 or GoKind.Float64:
                return JsonData.Double(value);
            case "integer" when kind == GoKind.Int64:
                return JsonData.TryInt64(value, out var integer) ? integer : 0L;
            case "integer" when kind == GoKind.Float64 && JsonData.Double(value) is var d && d == Math.Truncate(d) && Math.Abs(d) < 9.2e18:
                return (long)d;
            default:
                return Generic(value);
        }
    }

    private static Dictionary<string, object?> Object(JsonObject obj, SchemaNode schema, bool typeAndObjectMeta)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (typeAndObjectMeta || schema.Properties is not null)
        {
            foreach (var (key, value) in obj)
            {
                if (typeAndObjectMeta && key is "apiVersion" or "kind")
                {
                    result[key] = Generic(value);
                }
                else if (typeAndObjectMeta && key == "metadata")
                {
                    result[key] = Metadata(value);
                }
                else if (value is not null && schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                {
                    // A null field of an object with properties reads as absent (unstructuredMap.Find).
                    result[key] = ToCel(value, property, property.EmbeddedResource);
                }
            }

            return result;
        }

        var additional = schema.AdditionalPropertiesSchema;
        foreach (var (key, value) in obj)
        {
            result[key] = additional is null ? Generic(value) : ToCel(value, additional, additional.EmbeddedResource);
        }

        return result;
    }

    private static Dictionary<string, object?>? Metadata(JsonNode? value)
    {
        if (value is not JsonObject metadata)
        {
            return null;
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in new[] { "name", "generateName" })
        {
            if (metadata.TryGetPropertyValue(key, out var v))
            {
                result[key] = Generic(v);
            }
        }

        return result;
    }

    private static object String(string text, string format)
    {
        switch (format)
        {
            case "date-time" when DateTimeOffset.TryParseExact(text, DateTimeLayouts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time):
                return time;
            case "date" when DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date):
                return date;
            case "duration" when StringFormats.TryParseDuration(text, out var duration):
                return Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(duration);
            default:
                return text;
        }
    }

    private static object? Generic(JsonNode? value) => JsonData.Kind(value) switch
    {
        GoKind.Null => null,
        GoKind.Bool => JsonData.Bool(value),
        GoKind.Int64 => JsonData.TryInt64(value, out var i) ? i : 0L,
        GoKind.Float64 => JsonData.Double(value),
        GoKind.String => JsonData.String(value),
        GoKind.Array => ((JsonArray)value!).Select(Generic).ToList(),
        _ => ((JsonObject)value!).ToDictionary(p => p.Key, p => Generic(p.Value), StringComparer.Ordinal),
    };
}
