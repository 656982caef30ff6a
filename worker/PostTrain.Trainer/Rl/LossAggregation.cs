using PostTrain.Torch;

namespace PostTrain.Trainer.Rl;

/// <summary>How per-token losses [batch, seq] under a response mask become one scalar.</summary>
public enum LossAggregation
{
    /// <summary>Sum over all response tokens / number of response tokens (DAPO's token-level loss).</summary>
    TokenMean,

    /// <summary>Mean over sequences of each sequence's token sum.</summary>
    SeqMeanTokenSum,

    /// <summary>Mean over sequences of each sequence's token mean (the original GRPO).</summary>
    SeqMeanTokenMean,

    /// <summary>Sum over all response tokens / a constant (the padded response length), Dr. GRPO's unbiased form.</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>Aggregates per-token losses.</summary>
public static class LossAggregator
{
    /// <summary>
    /// Aggregates <paramref name="loss"/> [batch, seq] over tokens where <paramref name="mask"/> is 1. For
    /// <see cref="LossAggregation.SeqMeanTokenSumNorm"/>, <paramref name="normalizer"/> is the constant (defaults to seq).
    /// </summary>
    public static Tensor Aggregate(LossAggregation mode, Tensor loss, Tensor mask, double? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(mask);
        var m = mask.To(loss.DType);
        var masked = loss * m;
        switch (mode)
        {
            case LossAggregation.TokenMean:
                return masked.Sum() / m.Sum().Clamp(min: 1);
            case LossAggregation.SeqMeanTokenSum:
                return masked.Sum(-1).Mean();
            case LossAggregation.SeqMeanTokenMean:
                return (masked.Sum(-1) / m.Sum(-1).Clamp(min: 1)).Mean();
            case LossAggregation.SeqMeanTokenSumNorm:
                return masked.Sum() / (normalizer ?? loss.Shape[^1]);
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown loss aggregation");
        }
    }

    /// <summary>Mean of <paramref name="values"/> over masked tokens (for metrics).</summary>
    public static double MaskedMean(Tensor values, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(mask);
        using var scope = TorchScope.NewDisposeScope();
        return Aggregate(LossAggregation.TokenMean, values.Detach().To(ScalarType.Float64), mask).Item<double>();
    }
}
