using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>Where checkpoints are written and how often.</summary>
public sealed class OutputSpec
{
    /// <summary>
    /// The checkpoint location: <c>pvc://claim/path</c> in a cluster, <c>file:///path</c> or a plain path locally.
    /// Unset: the operator uses an emptyDir (lost with the pod) and the local worker <c>./output/NAMESPACE/NAME</c>.
    /// </summary>
    [Pattern(SourceUri.Pattern)]
    public string? Uri { get; set; }

    /// <summary>Write a checkpoint every this many optimizer steps; 0 writes only the final one.</summary>
    [RangeMinimum(0)]
    public int SaveEverySteps { get; set; } = 500;

    /// <summary>Keep at most this many step checkpoints (oldest deleted first); the final one is always kept.</summary>
    [RangeMinimum(1)]
    public int Keep { get; set; } = 2;
}
