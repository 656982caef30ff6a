using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>DAPO dynamic sampling: drop groups whose rewards are all equal (zero advantage) and sample more prompts.</summary>
public sealed class DynamicSamplingSpec
{
    /// <summary>True filters out zero-variance groups.</summary>
    public bool Enabled { get; set; }

    /// <summary>At most this many extra sampling rounds per step to refill the batch; after that the step uses what it has.</summary>
    [RangeMinimum(0)]
    public int MaxRefills { get; set; } = 3;
}
