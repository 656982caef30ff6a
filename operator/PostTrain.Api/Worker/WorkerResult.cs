using System.Text.Json.Nodes;

namespace PostTrain.Api.Worker;

/// <summary>
/// The result the worker writes on exit, to the pod's termination message path (where the operator reads it without
/// extra permissions) and to <c>result.json</c> in the job's output:
/// <c>{kind, name, phase, metrics, checkpoint, table, message}</c>. Written with
/// <see cref="WorkerJson.Serialize(WorkerResult, bool)"/>, read with <see cref="WorkerJson.TryReadResult"/>.
/// </summary>
public sealed class WorkerResult
{
    /// <summary>The job kind (SftJob, RlvrJob, EvalJob).</summary>
    public string? Kind { get; set; }

    /// <summary>The job name.</summary>
    public string? Name { get; set; }

    /// <summary>How the job ended: Succeeded, Failed or Preempted (see <see cref="WorkerPhases"/>).</summary>
    public string? Phase { get; set; }

    /// <summary>Final figures (finite values only).</summary>
    public Dictionary<string, double>? Metrics { get; set; }

    /// <summary>The newest complete checkpoint, for jobs that train.</summary>
    public WorkerCheckpoint? Checkpoint { get; set; }

    /// <summary>Free-form rows (EvalJob: one per model).</summary>
    public List<JsonObject>? Table { get; set; }

    /// <summary>A human-readable message (the error, for failures).</summary>
    public string? Message { get; set; }
}
