using System.Text.Json.Serialization;
using PostTrain.Api.Model;
using PostTrain.Api.Schema;
using PostTrain.Api.Sft;

namespace PostTrain.Api.Jobs;

/// <summary>
/// SftJob fine-tunes a language model on demonstrations (supervised fine-tuning). Its newest checkpoint, in
/// status.checkpoint, can start an RlvrJob or be evaluated by an EvalJob through fromJob.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = "SftJob", PluralName = "sftjobs", ShortNames = ["sft"], Categories = [ApiGroup.Category])]
[PrinterColumn(0, "Phase", ".status.phase", "string", Description = "The job's phase.")]
[PrinterColumn(1, "Progress", ".status.progress.percent", "number", Description = "Percent done.")]
[PrinterColumn(2, "Loss", ".status.progress.metrics.loss", "number", Description = "The latest training loss.")]
[PrinterColumn(3, "Step", ".status.progress.step", "integer", Description = "Optimizer steps done.", Priority = 1)]
[PrinterColumn(4, "Checkpoint", ".status.checkpoint.uri", "string", Description = "The newest complete checkpoint.", Priority = 1)]
[PrinterColumn(5, "Age", ".metadata.creationTimestamp", "date")]
public sealed class SftJob : PostTrainJob
{
    /// <summary>The kind name.</summary>
    public const string KindName = "SftJob";

    /// <summary>Creates an empty SftJob.</summary>
    public SftJob()
        : base(KindName)
    {
    }

    /// <summary>The desired fine-tuning run.</summary>
    [Required]
    public SftJobSpec Spec { get; set; } = new();

    /// <inheritdoc/>
    [JsonIgnore]
    public override JobSpecBase CommonSpec => Spec;

    /// <inheritdoc/>
    public override IEnumerable<(string Path, JobReference Reference)> JobReferences() => ReferenceOf("spec.model", Spec.Model);
}
