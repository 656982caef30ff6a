using System.Text.Json.Nodes;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Status;

/// <summary>The outcome of a finished job.</summary>
public sealed class ResultStatus
{
    /// <summary>Final figures, e.g. loss for SftJob, reward_mean for RlvrJob, accuracy and pass@k for EvalJob.</summary>
    public Dictionary<string, double>? Metrics { get; set; }

    /// <summary>EvalJob: one row per model (model name, then each metric), free-form.</summary>
    [PreserveUnknownFields]
    public List<JsonObject>? Table { get; set; }
}
