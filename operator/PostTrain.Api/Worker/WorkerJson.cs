using System.Text.Json;

namespace PostTrain.Api.Worker;

/// <summary>
/// Writes and reads the worker's documents: the result (termination message, <c>result.json</c>) and the
/// <c>/status</c> JSON. The worker writes with these methods and the operator reads with them, so both sides share
/// one definition of the wire format.
/// </summary>
public static class WorkerJson
{
    private static readonly WorkerJsonContext Indented = new(new JsonSerializerOptions(WorkerJsonContext.Default.Options) { WriteIndented = true });

    /// <summary>The serializer options in use (source-generated metadata for <see cref="WorkerResult"/> and <see cref="WorkerStatus"/>).</summary>
    public static JsonSerializerOptions Options => WorkerJsonContext.Default.Options;

    /// <summary>Writes a result as JSON.</summary>
    /// <param name="result">The result.</param>
    /// <param name="indented">True for human-readable output (result.json); false for the compact termination message.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(WorkerResult result, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        return JsonSerializer.Serialize(result, indented ? Indented.WorkerResult : WorkerJsonContext.Default.WorkerResult);
    }

    /// <summary>Writes a /status document as compact JSON.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(WorkerStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return JsonSerializer.Serialize(status, WorkerJsonContext.Default.WorkerStatus);
    }

    /// <summary>Reads a result (a termination message); null when the text is empty or not a result JSON object.</summary>
    /// <param name="text">The text, e.g. a pod's termination message.</param>
    /// <returns>The result, or null.</returns>
    public static WorkerResult? TryReadResult(string? text) => TryRead(text, WorkerJsonContext.Default.WorkerResult);

    /// <summary>Reads a /status document; null when the text is empty or not a status JSON object.</summary>
    /// <param name="text">The response body.</param>
    /// <returns>The status, or null.</returns>
    public static WorkerStatus? TryReadStatus(string? text) => TryRead(text, WorkerJsonContext.Default.WorkerStatus);

    private static T? TryRead<T>(string? text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
