using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>PPO-style ratio clipping: the ratio is clipped to [1 - low, 1 + high] (asymmetric when high > low, as in DAPO).</summary>
public sealed class ClipSpec
{
    /// <summary>The lower clip epsilon.</summary>
    [RangeMinimum(0)]
    [RangeMaximum(1)]
    public double Low { get; set; } = 0.2;

    /// <summary>The upper clip epsilon.</summary>
    [RangeMinimum(0)]
    public double High { get; set; } = 0.2;

    /// <summary>Dual clip: for negative advantages the objective is bounded by c x advantage (c &gt; 1); unset disables.</summary>
    [RangeMinimum(1, ExclusiveMinimum = true)]
    public double? DualClipC { get; set; }
}
