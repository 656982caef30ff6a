using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>What a JSON value decodes to in kube-apiserver (an <c>interface{}</c> from k8s.io/apimachinery/pkg/util/json).</summary>
internal enum GoKind
{
    Null,
    Bool,

    /// <summary>A number whose text parses as an int64 (json.Number.Int64 succeeds): <c>5</c>, <c>-0</c>.</summary>
    Int64,

    /// <summary>Any other number: <c>1.0</c>, <c>1e3</c>, an integer beyond int64.</summary>
    Float64,
    String,
    Array,
    Object,
}

/// <summary>
/// JSON values as kube-apiserver sees them after decoding a request body: numbers are int64 when their text is an
/// integer that fits, float64 otherwise (apimachinery's util/json convertNumber), and equality is Go's
/// reflect.DeepEqual over those values (so <c>1</c> and <c>1.0</c> differ).
/// </summary>
internal static class JsonData
{
    /// <summary>The decoded kind of <paramref name="node"/>.</summary>
    public static GoKind Kind(JsonNode? node) => node switch
    {
        null => GoKind.Null,
        JsonObject => GoKind.Object,
        JsonArray => GoKind.Array,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => GoKind.String,
            JsonValueKind.True or JsonValueKind.False => GoKind.Bool,
            JsonValueKind.Number => TryInt64(value, out _) ? GoKind.Int64 : GoKind.Float64,
            _ => GoKind.Null,
        },
        _ => GoKind.Null,
    };

    /// <summary>The value as an int64 when its JSON text is an integer within range.</summary>
    public static bool TryInt64(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The number as a float64.</summary>
    public static double Double(JsonNode? node) =>
        double.Parse(node!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The string value.</summary>
    public static string String(JsonNode? node) => node!.GetValue<string>();

    /// <summary>The boolean value.</summary>
    public static bool Bool(JsonNode? node) => node!.GetValueKind() == JsonValueKind.True;

    /// <summary>reflect.DeepEqual of the two decoded values.</summary>
    public static bool DeepEqual(JsonNode? a, JsonNode? b)
    {
        var kind = Kind(a);
        if (kind != Kind(b))
        {
            return false;
        }

        switch (kind)
        {
            case GoKind.Null:
                return true;
            case GoKind.Bool:
                return Bool(a) == Bool(b);
            case GoKind.Int64:
                TryInt64(a, out var x);
                TryInt64(b, out var y);
                return x == y;
            case GoKind.Float64:
                return Double(a).Equals(Double(b));
            case GoKind.String:
                return string.Equals(String(a), String(b), StringComparison.Ordinal);
            case GoKind.Array:
                var left = (JsonArray)a!;
                var right = (JsonArray)b!;
                if (left.Count != right.Count)
                {
                    return false;
                }

                for (var i = 0; i < left.Count; i++)
                {
                    if (!DeepEqual(left[i], right[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                var l = (JsonObject)a!;
                var r = (JsonObject)b!;
                if (l.Count != r.Count)
                {
                    return false;
                }

                foreach (var (key, value) in l)
                {
                    if (!r.TryGetPropertyValue(key, out var other) || !DeepEqual(value, other))
                    {
                        return false;
                    }
                }

                return true;
        }
    }

    /// <summary>A deep copy (null stays null).</summary>
    public static JsonNode? Clone(JsonNode? node) => node?.DeepClone();
}
