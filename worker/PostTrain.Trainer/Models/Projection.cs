using PostTrain.Torch;
using PostTrain.Torch.NN;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// A linear projection <c>y = x Wᵀ + b</c> holding Hugging Face's parameter names (<c>weight</c>, <c>bias</c>),
/// optionally with a LoRA adapter (<c>lora_A.weight</c>, <c>lora_B.weight</c>, PEFT's names) on top of a frozen base.
/// </summary>
public sealed class Projection : Module<Tensor, Tensor>
{
    /// <summary>Creates the projection, initialised N(0, <paramref name="initStd"/>) with zero bias.</summary>
    public Projection(long inFeatures, long outFeatures, bool bias, double initStd, Generator? generator, ScalarType dtype = ScalarType.Float32)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        using var noGrad = TorchOps.NoGrad();
        Weight = RegisterParameter("weight", new Parameter((TorchOps.RandN([outFeatures, inFeatures], ScalarType.Float32, null, generator) * initStd).To(dtype)));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Parameter(TorchOps.Zeros([outFeatures], dtype)));
        }
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The base weight, [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The base bias, [out], if any.</summary>
    public Parameter? Bias { get; }

    /// <summary>The LoRA down projection (PEFT's <c>lora_A</c>), [rank, in], when an adapter is attached.</summary>
    public LoraFactor? LoraA { get; private set; }

    /// <summary>The LoRA up projection (PEFT's <c>lora_B</c>), [out, rank], zero-initialised, when an adapter is attached.</summary>
    public LoraFactor? LoraB { get; private set; }

    /// <summary>The adapter's scale (alpha / rank unless attached with another).</summary>
    public double LoraScale { get; private set; }

    /// <summary>Dropout applied to the adapter's input while training.</summary>
    public double LoraDropout { get; private set; }

    /// <summary>
    /// Attaches a LoRA adapter: A Kaiming-uniform [rank, in] (bound 1/sqrt(in), as PEFT), B = 0 [out, rank], so the
    /// output is unchanged until B is trained. The base weight and bias stop requiring gradients. The update is scaled by
    /// <paramref name="scale"/> when given (rank-stabilised LoRA uses alpha / √rank), else by alpha / rank.
    /// </summary>
    public void AttachLora(int rank, double alpha, double dropout, Generator? generator, double? scale = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        if (LoraA is not null)
        {
            throw new InvalidOperationException("a LoRA adapter is already attached");
        }

        using (TorchOps.NoGrad())
        {
            var bound = 1.0 / Math.Sqrt(InFeatures);
            var a = ((TorchOps.Rand([rank, InFeatures], ScalarType.Float32, null, generator) * (2 * bound)) - bound).To(Weight.DType);
            LoraA = RegisterModule("lora_A", new LoraFactor(a));
            LoraB = RegisterModule("lora_B", new LoraFactor(TorchOps.Zeros([OutFeatures, rank], Weight.DType)));
        }

        LoraScale = scale ?? alpha / rank;
        LoraDropout = dropout;
        Weight.RequiresGrad = false;
        if (Bias is not null)
        {
            Bias.RequiresGrad = false;
        }
    }

    /// <summary>Folds the adapter into the base weight (W += scale · B·A) and zeroes B, so the output is unchanged; for export.</summary>
    public void MergeLora()
    {
        if (LoraA is null || LoraB is null)
        {
            return;
        }

        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        Weight.AddInPlace((LoraB.Weight.MatMul(LoraA.Weight) * LoraScale).To(Weight.DType));
        LoraB.Weight.ZeroInPlace();
    }

    /// <summary>
    /// The weights (and biases) of projections that read the same input, stacked along the output dimension, so one
    /// matrix product computes all of them: [Σ out, in] and [Σ out] (null when none has a bias). Null when any of them
    /// carries a LoRA adapter or when only some have a bias. A copy, detached: rebuild it after the weights change.
    /// </summary>
    public static (Tensor Weight, Tensor? Bias)? Stack(IReadOnlyList<Projection> projections)
    {
        ArgumentNullException.ThrowIfNull(projections);
        if (projections.Any(p => p.LoraA is not null) || projections.Select(p => p.Bias is null).Distinct().Count() > 1)
        {
            return null;
        }

        using var noGrad = TorchOps.NoGrad();
        var weight = TorchOps.Cat([.. projections.Select(p => (Tensor)p.Weight)]);
        var bias = projections[0].Bias is null ? null : TorchOps.Cat([.. projections.Select(p => (Tensor)p.Bias!)]);
        return (weight, bias);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var output = Functional.Linear(input, Weight, Bias);
        if (LoraA is null || LoraB is null)
        {
            return output;
        }

        var x = LoraDropout > 0 ? Functional.Dropout(input, LoraDropout, Training) : input;
        return output + (Functional.Linear(Functional.Linear(x, LoraA.Weight), LoraB.Weight) * LoraScale);
    }
}

/// <summary>One LoRA factor, a module with a single <c>weight</c> (PEFT's <c>lora_A</c>/<c>lora_B</c>).</summary>
public sealed class LoraFactor : Module
{
    internal LoraFactor(Tensor weight)
    {
        Weight = RegisterParameter("weight", new Parameter(weight));
    }

    /// <summary>The factor's weight.</summary>
    public Parameter Weight { get; }
}
