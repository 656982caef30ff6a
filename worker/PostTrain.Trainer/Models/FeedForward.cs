using PostTrain.Torch;
using PostTrain.Torch.NN;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) · up(x)).</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    /// <summary>Creates the three projections.</summary>
    public FeedForward(ModelConfig config, double initStd, Generator? generator, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        GateProj = RegisterModule("gate_proj", new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias, initStd, generator, dtype));
        UpProj = RegisterModule("up_proj", new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias, initStd, generator, dtype));
        DownProj = RegisterModule("down_proj", new Projection(config.IntermediateSize, config.HiddenSize, config.MlpBias, initStd, generator, dtype));
    }

    /// <summary>Gate projection.</summary>
    public Projection GateProj { get; }

    /// <summary>Up projection.</summary>
    public Projection UpProj { get; }

    /// <summary>Down projection.</summary>
    public Projection DownProj { get; }

    /// <summary>
    /// Gate and up projections stacked into one (<see cref="Projection.Stack"/>), used under no-grad while set; see
    /// <see cref="CausalLanguageModel.StackProjections"/>.
    /// </summary>
    internal (Tensor Weight, Tensor? Bias)? Stacked { get; set; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        if (Stacked is { } gateUp && !TorchOps.IsGradEnabled)
        {
            var both = Functional.Linear(input, gateUp.Weight, gateUp.Bias);
            var width = GateProj.OutFeatures;
            return DownProj.Forward(both.Narrow(-1, 0, width).Silu() * both.Narrow(-1, width, width));
        }

        return DownProj.Forward(GateProj.Forward(input).Silu() * UpProj.Forward(input));
    }
}
