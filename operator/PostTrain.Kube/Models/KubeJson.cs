using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace PostTrain.Kube.Models;

/// <summary>
/// The JSON settings of Kubernetes objects, the official client's (<see cref="KubernetesJson"/>): camelCase, nulls
/// omitted, RFC 3339 times (MicroTime with six fractional digits), enums as strings. One options object we can hand
/// to <see cref="JsonSerializer"/>, <see cref="System.Text.Json.Nodes.JsonNode"/> and the informer's decoders.
/// </summary>
public static class KubeJson
{
    /// <summary>Shared serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>The JSON of a model (null stays null): to compare two objects field by field, or to read one generically.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToNode(object? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Options);

    /// <summary>A model read from JSON (null stays null): e.g. a pod template field a user wrote in a job spec.</summary>
    public static T? FromNode<T>(System.Text.Json.Nodes.JsonNode? node)
        where T : class =>
        node?.Deserialize<T>(Options);

    /// <summary>A deep copy of a model, through its JSON.</summary>
    public static T Clone<T>(T value)
        where T : class =>
        JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options), Options)!;

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            PropertyNameCaseInsensitive = true,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.Converters.Add(new V1Status.V1StatusObjectViewConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
