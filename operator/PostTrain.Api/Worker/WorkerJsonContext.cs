using System.Text.Json.Serialization;

namespace PostTrain.Api.Worker;

/// <summary>
/// Source-generated System.Text.Json metadata for the worker's result and status documents (camelCase, nulls omitted
/// when writing; property names matched case-insensitively, unknown members ignored and numbers accepted as strings
/// when reading, so documents of older and newer workers still read). Safe under trimming.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    RespectNullableAnnotations = false)]
[JsonSerializable(typeof(WorkerResult))]
[JsonSerializable(typeof(WorkerStatus))]
public sealed partial class WorkerJsonContext : JsonSerializerContext;
