namespace PostTrain.Torch.NN;

/// <summary>RMS normalisation with a learned scale (Llama's RMSNorm).</summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with the scale set to ones.</summary>
    public RmsNorm(long dim, double eps = 1e-6, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Eps = eps;
        using var scope = TorchScope.NewDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(Tensors.Ones([dim], dtype, device)));
    }

    /// <summary>The scale, shaped [dim].</summary>
    public Parameter Weight { get; }

    /// <summary>Added to the mean square before the square root.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.RmsNorm(input, Weight, Eps);
}
