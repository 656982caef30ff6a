using PostTrain.Torch;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Generation;

/// <summary>Per-token log-probabilities of given sequences under a model (teacher forcing), as RL and `score` need.</summary>
public static class SequenceScorer
{
    /// <summary>
    /// log p(ids[:, t+1] | ids[:, ..t]) for every position: [batch, seq − 1], float32, differentiable when gradients are
    /// enabled. <paramref name="temperature"/> divides the logits first (RL scores under the sampling temperature).
    /// </summary>
    public static Tensor TokenLogProbs(CausalLanguageModel model, Tensor ids, Tensor? attentionMask = null, double temperature = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        var seq = ids.Shape[1];
        var logits = model.Forward(ids, attentionMask).Narrow(1, 0, seq - 1).To(ScalarType.Float32);
        if (temperature != 1.0)
        {
            logits /= temperature;
        }

        var targets = ids.Narrow(1, 1, seq - 1).Unsqueeze(-1);
        return logits.LogSoftmax(-1).Gather(-1, targets).Squeeze(-1);
    }
}
