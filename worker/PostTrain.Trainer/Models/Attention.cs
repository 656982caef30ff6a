using PostTrain.Torch;
using PostTrain.Torch.NN;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Grouped-query self-attention with rotary positions: q/k/v projections (biased in Qwen2), optional per-head q/k RMS
/// norm (Qwen3), RoPE, an optional KV cache, an optional sliding window (<see cref="ModelConfig.WindowOf"/>), and the
/// output projection.
/// </summary>
public sealed class Attention : Module
{
    private readonly ModelConfig _config;

    /// <summary>Creates the layer's projections from the configuration.</summary>
    public Attention(ModelConfig config, double initStd, Generator? generator, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        long hidden = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim;
        QProj = RegisterModule("q_proj", new Projection(hidden, q, config.AttentionBias, initStd, generator, dtype));
        KProj = RegisterModule("k_proj", new Projection(hidden, kv, config.AttentionBias, initStd, generator, dtype));
        VProj = RegisterModule("v_proj", new Projection(hidden, kv, config.AttentionBias, initStd, generator, dtype));
        OProj = RegisterModule("o_proj", new Projection(q, hidden, config.AttentionOutputBias, initStd, generator, dtype));
        if (config.QkNorm)
        {
            QNorm = RegisterModule("q_norm", new RmsNorm(config.HeadDim, config.RmsNormEps, dtype));
            KNorm = RegisterModule("k_norm", new RmsNorm(config.HeadDim, config.RmsNormEps, dtype));
        }
    }

    /// <summary>Query projection.</summary>
    public Projection QProj { get; }

    /// <summary>Key projection.</summary>
    public Projection KProj { get; }

    /// <summary>Value projection.</summary>
    public Projection VProj { get; }

    /// <summary>Output projection.</summary>
    public Projection OProj { get; }

    /// <summary>
    /// q, k and v projections stacked into one (<see cref="Projection.Stack"/>), used under no-grad while set; see
    /// <see cref="CausalLanguageModel.StackProjections"/>.
    /// </summary>
    internal (Tensor Weight, Tensor? Bias)? Stacked { get; set; }

    /// <summary>Per-head query norm (Qwen3 only).</summary>
    public RmsNorm? QNorm { get; }

    /// <summary>Per-head key norm (Qwen3 only).</summary>
    public RmsNorm? KNorm { get; }

    /// <summary>
    /// Attends over <paramref name="x"/> [batch, seq, hidden]. <paramref name="mask"/> [batch, 1, seq, keys] is true where a
    /// query may attend to a key; null means plain causal attention with no cache and no padding. With
    /// <paramref name="cuSeqlens"/> (int64 [sequences + 1] on the CPU), <paramref name="x"/> is one row [1, tokens, hidden]
    /// of sequences packed without padding, each attending causally to itself only
    /// (<see cref="Functional.VarlenCausalAttention"/>); no mask, cache or sliding window then.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache? cache, int layerIndex, Tensor? cuSeqlens = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.Shape;
        long batch = shape[0], seq = shape[1];
        int heads = _config.NumAttentionHeads, kvHeads = _config.NumKeyValueHeads, headDim = _config.HeadDim;

        Tensor q, k, v;
        if (Stacked is { } qkv && !TorchOps.IsGradEnabled)
        {
            // One product for q, k and v (generation): views of its output, split along the last dimension.
            var all = Functional.Linear(x, qkv.Weight, qkv.Bias);
            q = all.Narrow(-1, 0, (long)heads * headDim).View(batch, seq, heads, headDim);
            k = all.Narrow(-1, (long)heads * headDim, (long)kvHeads * headDim).View(batch, seq, kvHeads, headDim);
            v = all.Narrow(-1, (long)(heads + kvHeads) * headDim, (long)kvHeads * headDim).View(batch, seq, kvHeads, headDim).Transpose(1, 2);
        }
        else
        {
            q = QProj.Forward(x).View(batch, seq, heads, headDim);
            k = KProj.Forward(x).View(batch, seq, kvHeads, headDim);
            v = VProj.Forward(x).View(batch, seq, kvHeads, headDim).Transpose(1, 2);
        }

        if (QNorm is not null && KNorm is not null)
        {
            q = QNorm.Forward(q);
            k = KNorm.Forward(k);
        }

        if (cuSeqlens is not null)
        {
            if (batch != 1 || mask is not null || cache is not null || _config.WindowOf(layerIndex) is not null)
            {
                throw new ArgumentException("varlen attention takes one row, with no mask, cache or sliding window", nameof(cuSeqlens));
            }

            // [heads, tokens, headDim] views in (the kernel applies the rotary tables itself), [tokens, heads, headDim]
            // out: the output projection's layout, no copy.
            var packed = Functional.VarlenCausalAttention(q.Select(0, 0).Transpose(0, 1), k.Select(0, 0).Transpose(0, 1), v.Select(0, 0), cuSeqlens, (cos, sin));
            return OProj.Forward(packed.View(batch, seq, heads * headDim));
        }

        q = RotaryEmbedding.Apply(q.Transpose(1, 2), cos, sin);
        k = RotaryEmbedding.Apply(k.Transpose(1, 2), cos, sin);
        var window = _config.WindowOf(layerIndex);
        if (seq == 1 && cache is { DecodesInPlace: true } && !TorchOps.IsGradEnabled)
        {
            // A decoding step on the CPU: one native call writes this step's keys and values into the cache and attends
            // over it in place, grouped-query heads included. The cache is float32: projections that autocast made
            // bfloat16 are converted, as copying them into the cache converted them before.
            q = q.DType == ScalarType.Float32 ? q : q.To(ScalarType.Float32);
            k = k.DType == ScalarType.Float32 ? k : k.To(ScalarType.Float32);
            v = v.DType == ScalarType.Float32 ? v : v.To(ScalarType.Float32);
            if (window is { } w)
            {
                mask = SlidingWindow.Restrict(mask, seq, cache.Length + 1, w, x.Device);
            }

            return OProj.Forward(cache.Decode(layerIndex, q, k, v, mask).View(batch, seq, heads * headDim));
        }

        if (cache is not null)
        {
            (k, v) = cache.Append(layerIndex, k, v);
        }

        if (heads != kvHeads && k.Shape[1] != heads) // a per-query-head cache returns them expanded already
        {
            var keys = k.Shape[2];
            var group = heads / kvHeads;
            k = k.Unsqueeze(2).Expand(batch, kvHeads, group, keys, headDim).Reshape(batch, heads, keys, headDim);
            v = v.Unsqueeze(2).Expand(batch, kvHeads, group, keys, headDim).Reshape(batch, heads, keys, headDim);
        }

        if (window is { } size)
        {
            mask = SlidingWindow.Restrict(mask, seq, k.Shape[2], size, x.Device);
        }

        var attended = mask is null
            ? Functional.ScaledDotProductAttention(q, k, v, isCausal: true)
            : Functional.ScaledDotProductAttention(q, k, v, mask);
        return OProj.Forward(attended.Transpose(1, 2).Reshape(batch, seq, heads * headDim));
    }
}
