using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using PostTrain.Api.Jobs;

namespace PostTrain.Api.Serialization;

/// <summary>
/// JSON (de)serialisation of the PostTrain kinds with the CRD's field names: the operator renders a job into
/// job.json with <see cref="Serialize"/>, the worker reads it back with <see cref="Deserialize(string)"/>.
/// </summary>
public static class JobJson
{
    private static readonly JobJsonContext Compact = JobJsonContext.Default;
    private static readonly JobJsonContext Indented = new(new JsonSerializerOptions(JobJsonContext.Default.Options) { WriteIndented = true });

    /// <summary>The kinds this assembly defines, by kind name.</summary>
    public static IReadOnlyDictionary<string, Type> Kinds { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [SftJob.KindName] = typeof(SftJob),
        [RlvrJob.KindName] = typeof(RlvrJob),
        [EvalJob.KindName] = typeof(EvalJob),
    };

    /// <summary>The serializer options (camelCase, string enums, nulls omitted, unknown members rejected).</summary>
    public static JsonSerializerOptions Options => Compact.Options;

    /// <summary>Serialises a job to JSON.</summary>
    /// <param name="job">The job.</param>
    /// <param name="indented">True for human-readable output.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(PostTrainJob job, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(job);
        return JsonSerializer.Serialize(job, TypeInfo(indented ? Indented : Compact, job.GetType()));
    }

    /// <summary>Serialises a job to a JSON tree.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The JSON object.</returns>
    public static JsonObject ToNode(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return JsonSerializer.SerializeToNode(job, TypeInfo(Compact, job.GetType()))!.AsObject();
    }

    /// <summary>Reads a job of any PostTrain kind, dispatching on apiVersion and kind.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The job.</returns>
    /// <exception cref="JsonException">The text is not JSON, not a PostTrain kind, or does not fit the kind's type.</exception>
    public static PostTrainJob Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var node = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("expected a JSON object");
        return FromNode(node);
    }

    /// <summary>Reads a job of a known kind.</summary>
    /// <typeparam name="T">The kind's type.</typeparam>
    /// <param name="json">The JSON text.</param>
    /// <returns>The job.</returns>
    public static T Deserialize<T>(string json)
        where T : PostTrainJob
    {
        var job = Deserialize(json);
        return job as T ?? throw new JsonException($"expected kind {typeof(T).Name}, got {job.Kind}");
    }

    /// <summary>Reads a job from a JSON tree, dispatching on apiVersion and kind.</summary>
    /// <param name="node">The JSON object.</param>
    /// <returns>The job.</returns>
    /// <exception cref="JsonException">Not a PostTrain kind, or the object does not fit the kind's type.</exception>
    public static PostTrainJob FromNode(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var type = KindType(node, out var kind);
        try
        {
            return (PostTrainJob)(node.Deserialize(TypeInfo(Compact, type)) ?? throw new JsonException("null document"));
        }
        catch (JsonException e)
        {
            throw new JsonException($"{kind}: {e.Message}", e);
        }
    }

    /// <summary>Reads a job from a file (job.json).</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The job.</returns>
    public static async Task<PostTrainJob> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Deserialize(text);
        }
        catch (JsonException e)
        {
            throw new JsonException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Writes a job to a file (job.json), indented.</summary>
    /// <param name="path">The file.</param>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file is written.</returns>
    public static Task WriteFileAsync(string path, PostTrainJob job, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Serialize(job) + "\n", cancellationToken);

    /// <summary>The type of the kind named by the object's apiVersion and kind.</summary>
    /// <param name="node">The object.</param>
    /// <param name="kind">The kind name read.</param>
    /// <returns>The CLR type.</returns>
    /// <exception cref="JsonException">apiVersion or kind is missing or not a PostTrain kind.</exception>
    internal static Type KindType(JsonObject node, out string kind)
    {
        var apiVersion = (node["apiVersion"] as JsonValue)?.TryGetValue<string>(out var v) == true ? v : null;
        kind = (node["kind"] as JsonValue)?.TryGetValue<string>(out var k) == true ? k : "";
        if (apiVersion != ApiGroup.ApiVersion)
        {
            throw new JsonException(apiVersion is null
                ? $"apiVersion: required (expected {ApiGroup.ApiVersion})"
                : $"apiVersion: expected {ApiGroup.ApiVersion}, got '{apiVersion}'");
        }

        return Kinds.TryGetValue(kind, out var type)
            ? type
            : throw new JsonException($"kind: expected one of {string.Join(", ", Kinds.Keys)}, got '{kind}'");
    }

    private static JsonTypeInfo TypeInfo(JobJsonContext context, Type type) =>
        context.GetTypeInfo(type) ?? throw new InvalidOperationException($"{type} is not a PostTrain kind");
}
