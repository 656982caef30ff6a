using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Generation;

/// <summary>Picks next tokens from logits on the logits' device: greedy, or temperature with top-k and top-p filtering.</summary>
public static class TokenSampler
{
    /// <summary>
    /// Samples one token per row of <paramref name="logits"/> [batch, vocab]. Returns the ids [batch] (int64) and their
    /// log-probabilities [batch] under the temperature-scaled, unfiltered distribution.
    /// </summary>
    public static (Tensor Ids, Tensor LogProbs) Sample(Tensor logits, SamplingOptions options, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(options);
        var floats = logits.To(ScalarType.Float32);
        if (options.Temperature == 0)
        {
            var greedy = floats.ArgMax(-1, keepDim: true);
            return (greedy.Squeeze(-1), (floats.Gather(-1, greedy) - floats.LogSumExp(-1, keepDim: true)).Squeeze(-1));
        }

        var scaled = floats / options.Temperature;
        var vocab = scaled.Shape[^1];
        if (options.TopK > 0 && options.TopK < vocab && options.TopP >= 1 && scaled.Device == Device.Cpu)
        {
            // Top-k alone, on the CPU: draw among the k largest logits only (k exponentials per row, not one per
            // vocabulary entry) unless a row ties at the k-th value, where Filter keeps every tied logit. (The tie
            // check reads the host, which on a GPU would be a sync per token.) The draw is from the same distribution
            // as below, but it consumes the generator differently, so the tokens differ from the full-vocabulary draw.
            var k = options.TopK;
            var (values, indices) = scaled.TopK(k + 1, -1);
            if (!values.Narrow(-1, k, 1).Eq(values.Narrow(-1, k - 1, 1)).Any().Item<bool>())
            {
                var top = values.Narrow(-1, 0, k);
                var pick = TorchOps.Multinomial(top.Softmax(-1), 1, false, generator);
                return (indices.Gather(-1, pick).Squeeze(-1), (top.Gather(-1, pick) - scaled.LogSumExp(-1, keepDim: true)).Squeeze(-1));
            }
        }

        var filtered = Filter(scaled, options.TopK, options.TopP);
        var ids = TorchOps.Multinomial(filtered.Softmax(-1), 1, false, generator);
        return (ids.Squeeze(-1), scaled.LogSoftmax(-1).Gather(-1, ids).Squeeze(-1));
    }

    /// <summary>
    /// Sets to −∞ every logit outside the top <paramref name="topK"/> and outside the nucleus of mass
    /// <paramref name="topP"/> (the most likely token always stays). Ties at a threshold are kept.
    /// </summary>
    public static Tensor Filter(Tensor logits, int topK, double topP)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var vocab = logits.Shape[^1];
        var result = logits;
        if (topK > 0 && topK < vocab)
        {
            var kth = result.TopK(topK, -1).Values.Narrow(-1, topK - 1, 1);
            result = result.MaskedFill(result < kth, double.NegativeInfinity);
        }

        if (topP < 1)
        {
            var sorted = result.Sort(-1, descending: true).Values;
            var probabilities = sorted.Softmax(-1);
            var before = probabilities.CumSum(-1) - probabilities; // mass strictly above each token
            var kept = (before < topP).Sum(-1, keepDim: true, ScalarType.Int64); // >= 1: the first token has 0 before it
            var threshold = sorted.Gather(-1, kept - 1L);
            result = result.MaskedFill(result < threshold, double.NegativeInfinity);
        }

        return result;
    }
}
