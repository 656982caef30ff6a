using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PostTrain.Api.Jobs;

namespace PostTrain.Api.Serialization;

/// <summary>
/// Source-generated System.Text.Json metadata for the PostTrain kinds (camelCase, enums as their CRD names,
/// nulls omitted, unknown members rejected): fast and safe under trimming.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = false,
    Converters = [typeof(KubeTimeConverter)])]
[JsonSerializable(typeof(SftJob))]
[JsonSerializable(typeof(RlvrJob))]
[JsonSerializable(typeof(EvalJob))]
[JsonSerializable(typeof(JsonObject))]
public sealed partial class JobJsonContext : JsonSerializerContext;
