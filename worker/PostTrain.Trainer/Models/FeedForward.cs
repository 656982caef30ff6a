using PostTrain.Torch;
using PostTrain.Torch.NN;

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

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => DownProj.Forward(GateProj.Forward(input).Silu() * UpProj.Forward(input));
}
