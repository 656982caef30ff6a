using PostTrain.Torch;
using PostTrain.Torch.NN;

namespace PostTrain.Trainer.Models;

/// <summary>One pre-norm decoder layer: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
public sealed class DecoderLayer : Module
{
    private readonly int _index;

    /// <summary>Creates layer <paramref name="index"/>.</summary>
    public DecoderLayer(ModelConfig config, int index, double initStd, Generator? generator, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        _index = index;
        SelfAttention = RegisterModule("self_attn", new Attention(config, initStd, generator, dtype));
        Mlp = RegisterModule("mlp", new FeedForward(config, initStd, generator, dtype));
        InputNorm = RegisterModule("input_layernorm", new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype));
        PostAttentionNorm = RegisterModule("post_attention_layernorm", new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype));
    }

    /// <summary>The attention block.</summary>
    public Attention SelfAttention { get; }

    /// <summary>The feed-forward block.</summary>
    public FeedForward Mlp { get; }

    /// <summary>Norm before attention.</summary>
    public RmsNorm InputNorm { get; }

    /// <summary>Norm before the feed-forward block.</summary>
    public RmsNorm PostAttentionNorm { get; }

    /// <summary>Runs the layer; see <see cref="Attention.Forward"/> for the mask, cache and sequence boundaries.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, Tensor? cuSeqlens = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var h = x + SelfAttention.Forward(InputNorm.Forward(x), cos, sin, mask, cache, _index, cuSeqlens);
        return h + Mlp.Forward(PostAttentionNorm.Forward(h));
    }
}
