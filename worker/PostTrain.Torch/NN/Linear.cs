namespace PostTrain.Torch.NN;

/// <summary>y = x Wᵀ + b, initialised as torch.nn.Linear (uniform in ±1/sqrt(in)).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        var bound = 1.0 / Math.Sqrt(inFeatures);
        using var scope = TorchScope.NewDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(Uniform([outFeatures, inFeatures], bound, dtype, device, generator)));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Parameter(Uniform([outFeatures], bound, dtype, device, generator)));
        }
    }

    /// <summary>The weight, shaped [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias, shaped [out], if any.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    internal static Tensor Uniform(long[] shape, double bound, ScalarType dtype, Device? device, Generator? generator) =>
        (Tensors.Rand(shape, ScalarType.Float32, device, generator) * (2 * bound) - bound).To(dtype);
}
