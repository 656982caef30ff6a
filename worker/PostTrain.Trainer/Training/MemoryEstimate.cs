using System.Globalization;
using PostTrain.Torch;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Training;

/// <summary>
/// What a training step needs on its device, estimated before training starts so that a job that cannot fit says so
/// in its log: weights, float32 gradients of the trainable parameters, AdamW's two float32 moments, and the activations
/// autograd keeps for one micro-batch. The activation figure counts, per decoder layer and token, the tensors a Llama
/// layer saves for backward (norm inputs and outputs, q, k, v, the attention output, the MLP's gate, up and product),
/// plus the attention probabilities of the unfused (math) attention, plus float32 logits and their log-softmax; with
/// activation checkpointing only each layer's input is kept, and one layer's worth while it is recomputed. An
/// estimate: allocator caching and temporaries come on top.
/// </summary>
/// <param name="WeightBytes">Every parameter (and the reference model's) in its dtype.</param>
/// <param name="GradientBytes">Float32 gradients of the trainable parameters.</param>
/// <param name="OptimizerBytes">AdamW's first and second moments, float32.</param>
/// <param name="ActivationBytes">Activations saved for backward in one micro-batch.</param>
/// <param name="MicroBatchSize">Sequences per forward pass.</param>
/// <param name="SequenceLength">Tokens per sequence.</param>
public sealed record MemoryEstimate(long WeightBytes, long GradientBytes, long OptimizerBytes, long ActivationBytes, int MicroBatchSize, int SequenceLength)
{
    /// <summary>All of it.</summary>
    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + ActivationBytes;

    /// <summary>The estimate for training <paramref name="model"/> (and holding a frozen <paramref name="reference"/>).</summary>
    public static MemoryEstimate ForTraining(CausalLanguageModel model, int microBatchSize, int sequenceLength, ComputeOptions compute, CausalLanguageModel? reference = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(compute);
        var weights = model.Parameters().Sum(p => p.NumberOfElements * p.DType.ElementSize());
        weights += reference?.Parameters().Sum(p => p.NumberOfElements * p.DType.ElementSize()) ?? 0;
        var trainable = model.Parameters().Where(p => p.RequiresGrad).Sum(p => p.NumberOfElements);
        var activationElementBytes = compute.MixedPrecision is { } dtype ? dtype.ElementSize() : 4;
        var fusedAttention = compute.Device.IsCuda && TorchRuntime.Capabilities.HasFlag(TorchCapabilities.FusedAttention);
        return new MemoryEstimate(
            weights,
            trainable * 4,
            trainable * 8,
            Activations(model.Config, microBatchSize, sequenceLength, activationElementBytes, fusedAttention, compute.GradientCheckpointing),
            microBatchSize,
            sequenceLength);
    }

    /// <summary>Activation bytes of one micro-batch (see the type's summary for what is counted).</summary>
    public static long Activations(ModelConfig config, long microBatchSize, long sequenceLength, int elementBytes, bool fusedAttention, bool checkpointing)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize, kv = (long)config.NumKeyValueHeads * config.HeadDim, q = (long)config.NumAttentionHeads * config.HeadDim;
        var tokens = microBatchSize * sequenceLength;
        // Per token: two norms' input and output (4h), q, k, v (q + 2kv), attention output (q), gate, up, silu(gate)·up (3i).
        var perTokenPerLayer = ((4 * h) + (2 * q) + (2 * kv) + (3L * config.IntermediateSize)) * elementBytes;
        // Unfused attention keeps its float32 probabilities [heads, T, T] per sequence.
        var attention = fusedAttention ? 0 : microBatchSize * config.NumAttentionHeads * sequenceLength * sequenceLength * 4;
        var layer = (tokens * perTokenPerLayer) + attention;
        var layers = checkpointing
            ? (config.NumHiddenLayers * tokens * h * elementBytes) + layer
            : config.NumHiddenLayers * layer;
        var logits = tokens * config.VocabSize * 4L * 2; // float32 logits and their log-softmax
        return layers + logits;
    }

    /// <summary>"weights 4.0 MiB + gradients ... = total" for the log.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"memory estimate: weights {Size(WeightBytes)} + gradients {Size(GradientBytes)} + AdamW {Size(OptimizerBytes)} + activations {Size(ActivationBytes)} (micro-batch {MicroBatchSize} x {SequenceLength} tokens) = {Size(TotalBytes)}");

    /// <summary>Bytes in binary units, e.g. "1.5 GiB".</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }
}
