using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Models;

namespace PostTrain.Operator.Resources;

/// <summary>
/// A PostTrain job as the Kubernetes client sees it: metadata plus raw spec and status. One class serves all
/// three kinds (the kind comes from the <see cref="ResourceDescriptor"/> it is read with); <see cref="ToJob"/>
/// turns it into the typed <see cref="PostTrainJob"/> of PostTrain.Api.
/// </summary>
public sealed class JobResource : KubernetesObject, IKubernetesObject<V1ObjectMeta>
{
    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The spec, untyped.</summary>
    [JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }

    /// <summary>The status, untyped.</summary>
    [JsonPropertyName("status")]
    public JsonObject? Status { get; set; }

    /// <summary>The typed job.</summary>
    /// <exception cref="JsonException">The object does not fit the C# types (the message names the field).</exception>
    public PostTrainJob ToJob()
    {
        var node = JsonSerializer.SerializeToNode(this, KubeJson.Options)!.AsObject();
        return JobJson.FromNode(node);
    }

    /// <summary>The status as the typed <see cref="Api.Status.JobStatus"/>, or an empty one when it cannot be read.</summary>
    public Api.Status.JobStatus ReadStatus()
    {
        if (Status is null)
        {
            return new Api.Status.JobStatus();
        }

        try
        {
            return (Api.Status.JobStatus?)Status.Deserialize(JobJson.Options.GetTypeInfo(typeof(Api.Status.JobStatus))) ?? new Api.Status.JobStatus();
        }
        catch (JsonException)
        {
            return new Api.Status.JobStatus();
        }
    }

    /// <summary>Serialises a typed status the way the API types write it.</summary>
    public static JsonObject WriteStatus(Api.Status.JobStatus status) =>
        JsonSerializer.SerializeToNode(status, JobJson.Options.GetTypeInfo(typeof(Api.Status.JobStatus)))!.AsObject();

    /// <summary>The (kind, name) pairs of every <c>fromJob</c> in the spec, read without typing it.</summary>
    public IEnumerable<(string Kind, string Name)> ReferencedJobs()
    {
        var found = new List<(string, string)>();
        Collect(Spec, found);
        return found;
    }

    private static void Collect(JsonNode? node, List<(string, string)> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "fromJob" && value is JsonObject reference
                        && reference["kind"] is JsonValue kind && kind.TryGetValue<string>(out var k)
                        && reference["name"] is JsonValue name && name.TryGetValue<string>(out var n))
                    {
                        found.Add((k, n));
                    }
                    else
                    {
                        Collect(value, found);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, found);
                }

                break;
        }
    }
}
