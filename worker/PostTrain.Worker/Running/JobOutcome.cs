using System.Text.Json.Nodes;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>How one job ended: what goes into the result JSON, the pipeline table and the report.</summary>
public sealed record JobOutcome
{
    /// <summary>Kind of the job.</summary>
    public required string Kind { get; init; }

    /// <summary>Name of the job.</summary>
    public required string Name { get; init; }

    /// <summary>Succeeded, Failed or Preempted.</summary>
    public required string Phase { get; init; }

    /// <summary>Why it failed, if it did.</summary>
    public string? Message { get; init; }

    /// <summary>Final figures.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The newest complete checkpoint, if the job trains.</summary>
    public string? CheckpointUri { get; init; }

    /// <summary>The step of that checkpoint.</summary>
    public long CheckpointStep { get; init; }

    /// <summary>Rows of an evaluation table.</summary>
    public IReadOnlyList<JsonObject> Table { get; init; } = [];

    /// <summary>Curves for the report: loss, validation loss, reward mean, ...</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StepValue>> Series { get; init; } = new Dictionary<string, IReadOnlyList<StepValue>>();

    /// <summary>True when the job succeeded.</summary>
    public bool Succeeded => Phase == "Succeeded";

    /// <summary>The result JSON the operator reads from the termination message.</summary>
    public JsonObject ToResultJson(bool includeTable = true)
    {
        var json = new JsonObject
        {
            ["kind"] = Kind,
            ["name"] = Name,
            ["phase"] = Phase,
            ["metrics"] = new JsonObject(Metrics.Where(kv => double.IsFinite(kv.Value)).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value, 6)))),
        };
        if (Message is not null)
        {
            json["message"] = Message;
        }

        if (CheckpointUri is not null)
        {
            json["checkpoint"] = new JsonObject { ["uri"] = CheckpointUri, ["step"] = CheckpointStep };
        }

        if (includeTable && Table.Count > 0)
        {
            json["table"] = new JsonArray([.. Table.Select(r => (JsonNode)r.DeepClone())]);
        }

        return json;
    }
}
