namespace PostTrain.Trainer.Rl;

/// <summary>How a group's rewards become per-sample advantages.</summary>
public enum AdvantageEstimator
{
    /// <summary>GRPO: (r − mean) / (std + ε) within the group (std with Bessel's correction).</summary>
    Grpo,

    /// <summary>GRPO without std normalisation: r − mean.</summary>
    GrpoNoStd,

    /// <summary>Dr. GRPO: r − mean (no std), used with <see cref="LossAggregation.SeqMeanTokenSumNorm"/>.</summary>
    DrGrpo,

    /// <summary>RLOO: r − mean of the other samples of the group = n/(n−1) · (r − mean).</summary>
    Rloo,
}
