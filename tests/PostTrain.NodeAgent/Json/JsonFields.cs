using System.Globalization;
using System.Text.Json.Nodes;

namespace PostTrain.NodeAgent.Json;

/// <summary>Reads members of JSON objects the agent keeps as JSON (conditions, patches), and formats API times.</summary>
internal static class JsonFields
{
    /// <summary>A string member of a JSON object, or null.</summary>
    public static string? Text(this JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>An API timestamp (RFC 3339, seconds precision, UTC) as Kubernetes writes it.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
