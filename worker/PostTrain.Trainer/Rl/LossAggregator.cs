using PostTrain.Api.Rlvr;
using PostTrain.Torch;

namespace PostTrain.Trainer.Rl;

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
        double tokens;
        using (TorchScope.NewDisposeScope())
        {
            tokens = Math.Max(1.0, mask.To(ScalarType.Float64).Sum().Item<double>());
        }

        return Partial(mode, loss, mask, tokens, loss.Shape[0], normalizer ?? loss.Shape[^1]);
    }

    /// <summary>
    /// This micro-batch's share of an aggregate over a larger batch holding <paramref name="totalTokens"/> response tokens
    /// in <paramref name="totalSequences"/> sequences: summing the shares of every micro-batch gives exactly the aggregate
    /// of the whole batch, so gradient accumulation changes nothing.
    /// </summary>
    public static Tensor Partial(LossAggregation mode, Tensor loss, Tensor mask, double totalTokens, double totalSequences, double normalizer)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(mask);
        var m = mask.To(loss.DType);
        var perSequence = (loss * m).Sum(-1);
        return mode switch
        {
            LossAggregation.TokenMean => perSequence.Sum() / totalTokens,
            LossAggregation.SeqMeanTokenSum => perSequence.Sum() / totalSequences,
            LossAggregation.SeqMeanTokenMean => (perSequence / m.Sum(-1).Clamp(min: 1)).Sum() / totalSequences,
            LossAggregation.SeqMeanTokenSumNorm => perSequence.Sum() / (totalSequences * normalizer),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown loss aggregation"),
        };
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
