using PostTrain.Torch;

namespace PostTrain.Trainer.Rl;

/// <summary>PPO's clipped surrogate with separate low/high clip ranges (clip-higher) and optional dual clip; the log-ratio is clamped to ±20.</summary>
public static class PolicyLoss
{
    /// <summary>
    /// The log-ratio log π − log π_old is clamped to ±this before exp, as verl does, so an extreme token gives a large
    /// but finite ratio (exp(20) ≈ 4.9e8) instead of inf, whose 0·inf = NaN would reach the loss even where masked.
    /// </summary>
    public const double LogRatioClamp = 20;

    /// <summary>
    /// Per-token loss [batch, seq]: max(−A·ρ, −A·clip(ρ, 1 − εlow, 1 + εhigh)) with ρ = exp(clamp(logp − oldLogp, ±20)); when
    /// <paramref name="dualClip"/> c &gt; 1 is given, tokens with A &lt; 0 are further bounded by −A·c. Also returns the
    /// per-token indicators [batch, seq] (float 0/1) of where the clip was active and where the dual clip was.
    /// </summary>
    public static (Tensor Loss, Tensor Clipped, Tensor DualClipped) Compute(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double clipLow, double clipHigh, double? dualClip = null)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(oldLogProbs);
        ArgumentNullException.ThrowIfNull(advantages);
        if (dualClip is { } c && c <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dualClip), c, "the dual-clip constant must be > 1");
        }

        var ratio = (logProbs - oldLogProbs).Clamp(-LogRatioClamp, LogRatioClamp).Exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.Clamp(1 - clipLow, 1 + clipHigh);
        var loss = PostTrain.Torch.Tensors.Maximum(unclipped, clipped);
        var clipActive = (clipped > unclipped).To(ScalarType.Float32);
        if (dualClip is not { } dual)
        {
            return (loss, clipActive, PostTrain.Torch.Tensors.ZerosLike(clipActive));
        }

        var bound = -advantages * dual;
        var negative = advantages < 0.0;
        var dualActive = negative & (loss > bound);
        return (PostTrain.Torch.Tensors.Where(dualActive, bound, loss), clipActive, dualActive.To(ScalarType.Float32));
    }

    /// <summary>
    /// Splits <see cref="Compute"/>'s clip indicator [batch, seq] by which bound was active: the low bound (ρ &lt; 1 − εlow,
    /// only binding when A &lt; 0) or the high bound (ρ &gt; 1 + εhigh, only binding when A &gt; 0). Clip-higher widens the
    /// high bound alone, so the two fractions show whether it binds. <paramref name="advantages"/> is [batch, 1] (one per
    /// sequence, broadcast over its tokens) or [batch, seq].
    /// </summary>
    public static (Tensor Low, Tensor High) SplitClipped(Tensor clipped, Tensor advantages)
    {
        ArgumentNullException.ThrowIfNull(clipped);
        ArgumentNullException.ThrowIfNull(advantages);
        return (clipped * (advantages < 0.0).To(ScalarType.Float32), clipped * (advantages > 0.0).To(ScalarType.Float32));
    }
}
