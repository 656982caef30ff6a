using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Rl;

/// <summary>
/// Rollouts as tensors on the compute device, right-padded: ids and attention [n, length], next-token targets
/// [n, length − 1, 1], the response mask [n, length − 1] (1 where the target is a response token), advantages [n, 1],
/// and, once scored, old and reference log-probabilities [n, length − 1].
/// </summary>
internal sealed record RolloutBatch(Tensor Ids, Tensor Attention, Tensor Targets, Tensor Mask, Tensor Advantages, Tensor? OldLogProbs = null, Tensor? ReferenceLogProbs = null)
{
    /// <summary>The rollouts on <paramref name="device"/> (four host→device copies); null when there are none.</summary>
    public static RolloutBatch? Build(IReadOnlyList<Rollout> rollouts, int padTokenId, Device device)
    {
        var n = rollouts.Count;
        if (n == 0)
        {
            return null;
        }

        var length = rollouts.Max(r => r.PromptIds.Length + r.ResponseIds.Length);
        var ids = new long[n * length];
        var attention = new long[n * length];
        var response = new float[n * (length - 1)];
        for (var i = 0; i < n; i++)
        {
            var r = rollouts[i];
            var full = r.PromptIds.Concat(r.ResponseIds).ToArray();
            for (var t = 0; t < length; t++)
            {
                ids[(i * length) + t] = t < full.Length ? full[t] : padTokenId;
                attention[(i * length) + t] = t < full.Length ? 1 : 0;
                // target t predicts token t + 1: a response token when it lies past the prompt
                if (t < length - 1)
                {
                    response[(i * (length - 1)) + t] = t + 1 >= r.PromptIds.Length && t + 1 < full.Length ? 1 : 0;
                }
            }
        }

        var idsT = TorchOps.FromArray(ids, device, n, length);
        return new RolloutBatch(
            idsT,
            TorchOps.FromArray(attention, device, n, length),
            idsT.Narrow(1, 1, length - 1).Unsqueeze(-1),
            TorchOps.FromArray(response, device, n, length - 1),
            TorchOps.FromArray(rollouts.Select(r => (float)r.Advantage).ToArray(), device, n, 1));
    }

    /// <summary>The rows in <paramref name="order"/> (one host→device copy of the order), with the given log-probabilities.</summary>
    public RolloutBatch Permute(long[] order, Tensor? oldLogProbs, Tensor? referenceLogProbs)
    {
        var index = TorchOps.FromArray(order, Ids.Device, order.Length);
        return new RolloutBatch(
            Ids.IndexSelect(0, index),
            Attention.IndexSelect(0, index),
            Targets.IndexSelect(0, index),
            Mask.IndexSelect(0, index),
            Advantages.IndexSelect(0, index),
            oldLogProbs?.IndexSelect(0, index),
            referenceLogProbs?.IndexSelect(0, index));
    }

    /// <summary>Rows start..start + count, as views.</summary>
    public RolloutBatch Narrow(long start, long count) => new(
        Ids.Narrow(0, start, count),
        Attention.Narrow(0, start, count),
        Targets.Narrow(0, start, count),
        Mask.Narrow(0, start, count),
        Advantages.Narrow(0, start, count),
        OldLogProbs?.Narrow(0, start, count),
        ReferenceLogProbs?.Narrow(0, start, count));
}
