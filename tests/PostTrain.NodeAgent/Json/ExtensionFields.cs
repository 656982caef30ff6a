using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.NodeAgent.Json;

/// <summary>Reads fields the PostTrain.Kube models keep in their extension-data bag, and formats API times.</summary>
internal static class ExtensionFields
{
    /// <summary>The field <paramref name="name"/> of an extension-data bag as a JSON node, or null.</summary>
    public static JsonNode? Field(this Dictionary<string, JsonElement>? data, string name) =>
        data is not null && data.TryGetValue(name, out var element) && element.ValueKind != JsonValueKind.Null ? JsonNode.Parse(element.GetRawText()) : null;

    /// <summary>The string field <paramref name="name"/> of an extension-data bag, or null.</summary>
    public static string? Text(this Dictionary<string, JsonElement>? data, string name) =>
        data is not null && data.TryGetValue(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>The boolean field <paramref name="name"/> of an extension-data bag, or null.</summary>
    public static bool? Flag(this Dictionary<string, JsonElement>? data, string name) =>
        data is not null && data.TryGetValue(name, out var element) && element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean() : null;

    /// <summary>A string member of a JSON object, or null.</summary>
    public static string? Text(this JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A boolean member of a JSON object, or null.</summary>
    public static bool? Flag(this JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    /// <summary>An integer member of a JSON object (a JSON number), or null.</summary>
    public static long? Number(this JsonNode? node, string name)
    {
        if (node is not JsonObject obj || obj[name] is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<long>(out var whole))
        {
            return whole;
        }

        return value.TryGetValue<double>(out var real) ? (long)real : null;
    }

    /// <summary>An API timestamp (RFC 3339, seconds precision, UTC) as Kubernetes writes it.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Deep-copies a model through JSON.</summary>
    public static T Clone<T>(T value) =>
        JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, Kube.Models.KubeJson.Options), Kube.Models.KubeJson.Options)!;
}
