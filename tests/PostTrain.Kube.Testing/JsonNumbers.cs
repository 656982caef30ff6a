using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// Integers read from JSON nodes whatever backs them: parsed text (a JsonElement) or a value set from C# (int, long,
/// double), where the explicit node casts only convert to the exact type stored.
/// </summary>
internal static class JsonNumbers
{
    /// <summary>The node as a whole number; null when absent or not a number.</summary>
    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (value.TryGetValue<double>(out var d) && d == Math.Floor(d))
        {
            return (long)d;
        }

        return value.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var fromElement) ? fromElement : null;
    }
}
