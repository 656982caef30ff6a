using PostTrain.Api.Rlvr;
using PostTrain.Torch;

namespace PostTrain.Trainer.Rl;

/// <summary>The KL penalty terms.</summary>
public static class KlPenalty
{
    /// <summary>k3 is clamped to this range for stability, as verl does.</summary>
    public const double K3Clamp = 10;

    /// <summary>
    /// The log-ratio inside k3 is clamped to ±this before exp, as verl does: in float32 exp(89) is already inf, and
    /// the clamp after it would then pass 0·inf = NaN gradients back, even from masked positions.
    /// </summary>
    public const double LogRatioClamp = 20;

    /// <summary>The per-token estimate [batch, seq].</summary>
    public static Tensor Compute(KlEstimator estimator, Tensor logProbs, Tensor referenceLogProbs)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(referenceLogProbs);
        var diff = logProbs - referenceLogProbs;
        return estimator switch
        {
            KlEstimator.K1 => diff,
            KlEstimator.K2 => diff.Square() * 0.5,
            KlEstimator.K3 => K3(diff),
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator"),
        };
    }

    private static Tensor K3(Tensor diff)
    {
        var logRatio = (-diff).Clamp(-LogRatioClamp, LogRatioClamp); // log π_ref − log π
        return (logRatio.Exp() - logRatio - 1.0).Clamp(-K3Clamp, K3Clamp);
    }
}
