using PostTrain.Torch;

namespace PostTrain.Trainer.Training;

/// <summary>Where a trainer computes and in what precision (the worker maps the device and <c>training.precision</c> here).</summary>
public sealed record ComputeOptions
{
    /// <summary>Float32 on the CPU: what every trainer does unless told otherwise.</summary>
    public static ComputeOptions Cpu { get; } = new();

    /// <summary>The device holding the model, its optimizer state and every batch.</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>
    /// Null: float32 throughout. <see cref="ScalarType.BFloat16"/>: mixed precision by autocast: matrix products and
    /// attention run in bf16 while weights (the fp32 master copy), gradients and AdamW state stay float32, and losses,
    /// softmax and norms stay float32 as libtorch's autocast lists decide.
    /// </summary>
    public ScalarType? MixedPrecision { get; init; }

    /// <summary>Recompute each decoder layer's activations in backward (see <c>CausalLanguageModel.GradientCheckpointing</c>).</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>The autocast region of a forward pass and its loss; null (nothing to dispose) in float32.</summary>
    public IDisposable? Autocast() => MixedPrecision is { } dtype ? Tensors.Autocast(Device.Type, dtype) : null;

    /// <summary>"cuda:0, bf16 autocast" and the like, for logs.</summary>
    public override string ToString() =>
        $"{Device}, {(MixedPrecision is { } dtype ? $"{dtype.ToString().ToLowerInvariant()} autocast with fp32 master weights" : "fp32")}{(GradientCheckpointing ? ", activation checkpointing" : string.Empty)}";
}
