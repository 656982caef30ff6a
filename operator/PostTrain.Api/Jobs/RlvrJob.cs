using System.Text.Json.Serialization;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Jobs;

/// <summary>
/// RlvrJob trains a policy with reinforcement learning from verifiable rewards (GRPO, Dr. GRPO, RLOO, DAPO-style
/// clipping and dynamic sampling), usually starting from an SftJob's checkpoint through fromJob.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = "RlvrJob", PluralName = "rlvrjobs", ShortNames = ["rlvr"], Categories = [ApiGroup.Category])]
[PrinterColumn(0, "Phase", ".status.phase", "string", Description = "The job's phase.")]
[PrinterColumn(1, "Progress", ".status.progress.percent", "number", Description = "Percent done.")]
[PrinterColumn(2, "Reward", ".status.progress.metrics.reward_mean", "number", Description = "The latest mean reward.")]
[PrinterColumn(3, "Step", ".status.progress.step", "integer", Description = "RL steps done.", Priority = 1)]
[PrinterColumn(4, "Checkpoint", ".status.checkpoint.uri", "string", Description = "The newest complete checkpoint.", Priority = 1)]
[PrinterColumn(5, "Age", ".metadata.creationTimestamp", "date")]
public sealed class RlvrJob : PostTrainJob
{
    /// <summary>The kind name.</summary>
    public const string KindName = "RlvrJob";

    /// <summary>Creates an empty RlvrJob.</summary>
    public RlvrJob()
        : base(KindName)
    {
    }

    /// <summary>The desired reinforcement-learning run.</summary>
    [Required]
    public RlvrJobSpec Spec { get; set; } = new();

    /// <inheritdoc/>
    [JsonIgnore]
    public override JobSpecBase CommonSpec => Spec;

    /// <inheritdoc/>
    public override IEnumerable<(string Path, JobReference Reference)> JobReferences() =>
        ReferenceOf("spec.model", Spec.Model).Concat(ReferenceOf("spec.referenceModel", Spec.ReferenceModel));
}
