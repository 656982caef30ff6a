using System.Text.Json;

namespace PostTrain.Operator.Workers;

/// <summary>JSON options for what the worker writes (camelCase, case-insensitive reads).</summary>
public static class WorkerJson
{
    /// <summary>The options.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
