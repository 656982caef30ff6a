using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>The policy-gradient objective: advantages, clipping, KL, entropy and loss reduction.</summary>
public sealed class AlgorithmSpec
{
    /// <summary>The advantage estimator: grpo, grpoNoStd, drGrpo or rloo.</summary>
    public AdvantageEstimator Advantage { get; set; } = AdvantageEstimator.Grpo;

    /// <summary>
    /// Weight of negative advantages (samples below their group's mean), from 0 to 1. 1 is the estimator as published;
    /// below 1, wrong samples are pushed down less than right ones are pulled up, and 0 reinforces only the
    /// better-than-average samples (positive-sample reinforcement, as in RAFT). On small policies the negative
    /// push spreads probability onto every other token and raises entropy faster than it fixes errors.
    /// </summary>
    [RangeMinimum(0)]
    [RangeMaximum(1)]
    public double NegativeAdvantageScale { get; set; } = 1.0;

    /// <summary>Ratio clipping.</summary>
    public ClipSpec Clip { get; set; } = new();

    /// <summary>The KL penalty towards the reference model.</summary>
    public KlSpec Kl { get; set; } = new();

    /// <summary>Entropy bonus coefficient (subtracted from the loss); 0 disables.</summary>
    [RangeMinimum(0)]
    public double EntropyCoef { get; set; }

    /// <summary>How token losses are reduced: tokenMean, seqMeanTokenSum, seqMeanTokenMean or seqMeanTokenSumNorm.</summary>
    public LossAggregation LossAggregation { get; set; } = LossAggregation.TokenMean;

    /// <summary>Optimisation passes over each step's rollouts (1 is on-policy).</summary>
    [RangeMinimum(1)]
    [RangeMaximum(16)]
    public int PpoEpochs { get; set; } = 1;

    /// <summary>Optimizer steps per pass: the rollouts are split into this many mini-batches.</summary>
    [RangeMinimum(1)]
    public int MiniBatches { get; set; } = 1;

    /// <summary>DAPO dynamic sampling.</summary>
    public DynamicSamplingSpec DynamicSampling { get; set; } = new();
}
