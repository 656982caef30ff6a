using PostTrain.Torch;

namespace PostTrain.Trainer.Rl;

/// <summary>Entropy of the model's next-token distributions.</summary>
public static class Entropy
{
    /// <summary>−Σ p log p over the vocabulary, per position: logits [..., vocab] → [...].</summary>
    public static Tensor FromLogits(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var logP = logits.To(ScalarType.Float32).LogSoftmax(-1);
        return -(logP.Exp() * logP).Sum(-1);
    }
}
