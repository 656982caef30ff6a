using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Operator.Workers;

/// <summary>
/// The result JSON the worker writes to the termination message path on exit:
/// <c>{kind, name, phase: Succeeded|Failed|Preempted, metrics, checkpoint, table, message}</c>.
/// </summary>
public sealed class WorkerResult
{
    /// <summary>The job kind.</summary>
    public string? Kind { get; set; }

    /// <summary>The job name.</summary>
    public string? Name { get; set; }

    /// <summary>Succeeded, Failed or Preempted.</summary>
    public string? Phase { get; set; }

    /// <summary>Final metrics.</summary>
    public Dictionary<string, double>? Metrics { get; set; }

    /// <summary>The newest complete checkpoint.</summary>
    public WorkerCheckpoint? Checkpoint { get; set; }

    /// <summary>Free-form rows (EvalJob: one per model).</summary>
    public List<JsonObject>? Table { get; set; }

    /// <summary>A human-readable message (the error, for failures).</summary>
    public string? Message { get; set; }

    /// <summary>Parses a termination message; null when it is empty or not a result JSON.</summary>
    public static WorkerResult? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<WorkerResult>(text, WorkerJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
