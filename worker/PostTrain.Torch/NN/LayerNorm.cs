namespace PostTrain.Torch.NN;

/// <summary>Layer normalisation over the last dimension with learned scale and shift.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer (scale ones, shift zeros).</summary>
    public LayerNorm(long dim, double eps = 1e-5, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Dim = dim;
        Eps = eps;
        using var scope = TorchScope.NewDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(Tensors.Ones([dim], dtype, device)));
        Bias = RegisterParameter("bias", new Parameter(Tensors.Zeros([dim], dtype, device)));
    }

    /// <summary>The normalised dimension's size.</summary>
    public long Dim { get; }

    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>The scale.</summary>
    public Parameter Weight { get; }

    /// <summary>The shift.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.LayerNorm(input, [Dim], Weight, Bias, Eps);
}
