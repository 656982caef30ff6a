using System.Text.Json.Nodes;
using PostTrain.Api.Worker;
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

    /// <summary>True when it failed on input the user must fix (<see cref="JobFailures.IsInvalidInput"/>): exit 2, not retried.</summary>
    public bool InvalidInput { get; init; }

    /// <summary>Final figures.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The newest complete checkpoint, if the job trains, in the URI form of the job's output
    /// (<see cref="JobEnvironment.CheckpointUri"/>): <c>pvc://claim/path/checkpoint-N</c> for a <c>pvc://</c> output.
    /// </summary>
    public string? CheckpointUri { get; init; }

    /// <summary>The step of that checkpoint.</summary>
    public long CheckpointStep { get; init; }

    /// <summary>Rows of an evaluation table.</summary>
    public IReadOnlyList<JsonObject> Table { get; init; } = [];

    /// <summary>Curves for the report: loss, validation loss, reward mean, ...</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<StepValue>> Series { get; init; } = new Dictionary<string, IReadOnlyList<StepValue>>();

    /// <summary>How long the job ran (loading, training or evaluating, saving); null when it did not run.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The job's spec as YAML, for the report.</summary>
    public string? Spec { get; init; }

    /// <summary>True when the job succeeded.</summary>
    public bool Succeeded => Phase == WorkerPhases.Succeeded;

    /// <summary>
    /// The result document the operator reads from the termination message (and <c>result.json</c>): final metrics
    /// (finite ones, rounded to 6 decimals), the checkpoint, the table and the message.
    /// </summary>
    /// <param name="includeTable">False leaves the table out (a termination message has room for 4096 bytes only).</param>
    /// <returns>The result.</returns>
    public WorkerResult ToResult(bool includeTable = true) => new()
    {
        Kind = Kind,
        Name = Name,
        Phase = Phase,
        Metrics = Metrics.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 6), StringComparer.Ordinal),
        Checkpoint = CheckpointUri is null ? null : new WorkerCheckpoint { Uri = CheckpointUri, Step = CheckpointStep },
        Table = includeTable && Table.Count > 0 ? [.. Table.Select(r => r.DeepClone().AsObject())] : null,
        Message = Message,
    };
}
