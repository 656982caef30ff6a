using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>The KL penalty towards the reference model, added to the loss.</summary>
public sealed class KlSpec
{
    /// <summary>The penalty coefficient beta; 0 disables the penalty and the reference model is not loaded.</summary>
    [RangeMinimum(0)]
    public double Coef { get; set; } = 0.04;

    /// <summary>The estimator: k1, k2 or k3.</summary>
    public KlEstimator Estimator { get; set; } = KlEstimator.K3;
}
