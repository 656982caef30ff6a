using System.Text.Json.Serialization;
using PostTrain.Api.Eval;
using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Jobs;

/// <summary>
/// EvalJob measures models (base, SftJob or RlvrJob checkpoints through fromJob) on a dataset: greedy accuracy and
/// pass@k. The results table is in status.result.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = "EvalJob", PluralName = "evaljobs", ShortNames = ["evaljob", "ptevals"], Categories = [ApiGroup.Category])]
[PrinterColumn(0, "Phase", ".status.phase", "string", Description = "The job's phase.")]
[PrinterColumn(1, "Progress", ".status.progress.percent", "number", Description = "Percent done.")]
[PrinterColumn(2, "Accuracy", ".status.result.metrics.accuracy", "number", Description = "Greedy accuracy of the first model.")]
[PrinterColumn(3, "Age", ".metadata.creationTimestamp", "date")]
public sealed class EvalJob : PostTrainJob
{
    /// <summary>The kind name.</summary>
    public const string KindName = "EvalJob";

    /// <summary>Creates an empty EvalJob.</summary>
    public EvalJob()
        : base(KindName)
    {
    }

    /// <summary>The desired evaluation.</summary>
    [Required]
    public EvalJobSpec Spec { get; set; } = new();

    /// <inheritdoc/>
    [JsonIgnore]
    public override JobSpecBase CommonSpec => Spec;

    /// <inheritdoc/>
    public override IEnumerable<(string Path, JobReference Reference)> JobReferences() =>
        Spec.Models.SelectMany((model, i) => ReferenceOf($"spec.models[{i}]", model));
}
