namespace PostTrain.Torch.NN;

/// <summary>A lookup table of vectors, initialised N(0, 1) as torch.nn.Embedding.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table.</summary>
    public Embedding(long count, long dim, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        using var scope = TorchScope.NewDisposeScope();
        Weight = RegisterParameter("weight", new Parameter(Tensors.RandN([count, dim], ScalarType.Float32, device, generator).To(dtype)));
    }

    /// <summary>The table, shaped [count, dim].</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight);
}
