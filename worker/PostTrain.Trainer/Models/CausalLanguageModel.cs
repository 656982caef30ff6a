using PostTrain.Torch;
using PostTrain.Torch.NN;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// A Llama-family causal language model with Hugging Face's parameter names (<c>model.embed_tokens.weight</c>,
/// <c>model.layers.N.self_attn.q_proj.weight</c>, ..., <c>model.norm.weight</c>, <c>lm_head.weight</c>), so a
/// <c>*.safetensors</c> checkpoint loads by name.
/// </summary>
public sealed class CausalLanguageModel : Module
{
    private readonly Tensor _inverseFrequencies;
    private Tensor? _inverseFrequenciesOnDevice;

    /// <summary>
    /// Builds the model with random weights (N(0, 0.02) projections and embeddings, unit norms, zero biases).
    /// <paramref name="dtype"/> overrides the configuration's <c>torch_dtype</c>.
    /// </summary>
    public CausalLanguageModel(ModelConfig config, ulong seed = 0, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        DType = dtype ?? ParseDType(config.TorchDtype);
        using var generator = new Generator(seed);
        const double initStd = 0.02;
        Body = RegisterModule("model", new DecoderStack(config, initStd, generator, DType));
        if (!config.TieWordEmbeddings)
        {
            LmHead = RegisterModule("lm_head", new Projection(config.HiddenSize, config.VocabSize, false, initStd, generator, DType));
        }

        _inverseFrequencies = TorchOps.FromArray(RotaryEmbedding.InverseFrequencies(config).Select(f => (float)f).ToArray(), config.HeadDim / 2);
        _inverseFrequencies.DetachFromDisposeScope();
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The dtype of the weights and activations.</summary>
    public ScalarType DType { get; }

    /// <summary>Embeddings, layers and final norm (Hugging Face's <c>model.</c> prefix).</summary>
    public DecoderStack Body { get; }

    /// <summary>The output projection; null when tied to the embeddings.</summary>
    public Projection? LmHead { get; }

    /// <summary>
    /// Recompute each decoder layer's activations in backward instead of keeping them (activation checkpointing), while
    /// training with gradients: memory for activations drops to one layer's worth plus each layer's input, for about a
    /// third more compute. Gradients are unchanged.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>The matrix that maps hidden states to vocabulary logits.</summary>
    public Tensor OutputWeight => LmHead?.Weight ?? Body.EmbedTokens.Weight;

    /// <summary>Maps a Hugging Face <c>torch_dtype</c> name to a scalar type.</summary>
    public static ScalarType ParseDType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"unsupported dtype '{name}'", nameof(name)),
    };

    /// <summary>
    /// Logits [batch, seq, vocab] for <paramref name="inputIds"/> [batch, seq].
    /// <paramref name="attentionMask"/> [batch, cached + seq] marks real tokens with 1 and padding with 0 (left or right);
    /// positions count real tokens only. With a <paramref name="cache"/>, the new keys and values are appended to it.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        var hidden = HiddenStates(inputIds, attentionMask, cache);
        return Functional.Linear(hidden, OutputWeight);
    }

    /// <summary>The final-norm hidden states [batch, seq, hidden] (the logits before the output projection).</summary>
    public Tensor HiddenStates(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var shape = inputIds.Shape;
        long batch = shape[0], seq = shape[1];
        var past = cache?.Length ?? 0;
        if (attentionMask is null && cache is null)
        {
            return Run(inputIds, TorchOps.Arange(seq, inputIds.Device).Unsqueeze(0).Expand(batch, seq), null, null);
        }

        var real = attentionMask ?? TorchOps.Ones([batch, past + seq], ScalarType.Int64, inputIds.Device);
        var positions = (real.To(ScalarType.Int64).CumSum(-1) - 1L).Clamp(min: 0).Narrow(1, past, seq);
        return Run(inputIds, positions, AttentionMask(real, past, seq), cache);
    }

    /// <summary>
    /// Logits for inputs whose positions and attention pattern the caller sets, e.g. several documents packed into one
    /// row: <paramref name="positionIds"/> [batch, seq] restart at each document and <paramref name="mask"/>
    /// [batch, 1, seq, seq] is true where a query may attend to a key.
    /// </summary>
    public Tensor ForwardWithPositions(Tensor inputIds, Tensor positionIds, Tensor mask) =>
        Functional.Linear(HiddenStatesWithPositions(inputIds, positionIds, mask), OutputWeight);

    /// <summary><see cref="ForwardWithPositions"/>'s final-norm hidden states [batch, seq, hidden], before the output projection.</summary>
    public Tensor HiddenStatesWithPositions(Tensor inputIds, Tensor positionIds, Tensor mask) => Run(inputIds, positionIds, mask, null);

    /// <summary>
    /// Final-norm hidden states [1, tokens, hidden] for sequences concatenated into one row without padding
    /// (<see cref="Training.TrainingBatch.Varlen"/>): <paramref name="positionIds"/> [1, tokens] restart at each sequence
    /// and <paramref name="cuSeqlens"/> (int64 [sequences + 1] on the CPU) marks where each ends; every sequence attends
    /// only to itself, causally, through <see cref="Functional.VarlenCausalAttention"/>. Only where
    /// <see cref="SupportsVarlen"/> holds.
    /// </summary>
    public Tensor HiddenStatesVarlen(Tensor inputIds, Tensor positionIds, Tensor cuSeqlens)
    {
        ArgumentNullException.ThrowIfNull(cuSeqlens);
        if (!SupportsVarlen(inputIds.Device))
        {
            throw new InvalidOperationException("varlen attention runs float32 models on the CPU without sliding windows only");
        }

        return Run(inputIds, positionIds, null, null, cuSeqlens);
    }

    /// <summary>
    /// Whether <see cref="HiddenStatesVarlen"/> runs on <paramref name="device"/>: float32 weights on the CPU, and no layer
    /// with a sliding window.
    /// </summary>
    public bool SupportsVarlen(Device device) =>
        device == Device.Cpu && DType == ScalarType.Float32 && Enumerable.Range(0, Config.NumHiddenLayers).All(i => Config.WindowOf(i) is null);

    private Tensor Run(Tensor inputIds, Tensor positions, Tensor? mask, KvCache? cache, Tensor? cuSeqlens = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(positions);
        var (cos, sin) = RotaryEmbedding.Tables(InverseFrequencies(inputIds.Device), positions, DType);
        var h = Body.EmbedTokens.Forward(inputIds);
        var checkpointing = GradientCheckpointing && Training && cache is null && TorchOps.IsGradEnabled;
        for (var i = 0; i < Body.Layers.Count; i++)
        {
            var layer = Body.Layers[i];
            if (cuSeqlens is not null)
            {
                // The boundaries travel with the captured tensors: the batch that holds them is gone by backward.
                h = checkpointing
                    ? ActivationCheckpoint.Run((x, t) => layer.Forward(x, t[0], t[1], null, null, t[2]), h, [cos, sin, cuSeqlens])
                    : layer.Forward(h, cos, sin, null, null, cuSeqlens);
                continue;
            }

            h = checkpointing
                ? ActivationCheckpoint.Run((x, t) => layer.Forward(x, t[0], t[1], t.Count > 2 ? t[2] : null, null), h, mask is null ? [cos, sin] : [cos, sin, mask])
                : layer.Forward(h, cos, sin, mask, cache);
        }

        cache?.Advance(inputIds.Shape[1]);
        return Body.Norm.Forward(h);
    }

    /// <summary>
    /// Stacks every layer's q/k/v and gate/up projections into one matrix each, which no-grad forward passes use until
    /// the returned handle is disposed (generation: fewer, larger matrix products per token). The stacks are copies of
    /// the weights at this call; dispose the handle before the weights change. Layers with LoRA adapters keep their
    /// separate projections.
    /// </summary>
    public IDisposable StackProjections()
    {
        var stacks = new List<Tensor>();
        foreach (var layer in Body.Layers)
        {
            var attention = layer.SelfAttention;
            var mlp = layer.Mlp;
            attention.Stacked = Keep(Projection.Stack([attention.QProj, attention.KProj, attention.VProj]));
            mlp.Stacked = Keep(Projection.Stack([mlp.GateProj, mlp.UpProj]));
        }

        return new Unstack(this, stacks);

        (Tensor Weight, Tensor? Bias)? Keep((Tensor Weight, Tensor? Bias)? stack)
        {
            if (stack is { } s)
            {
                stacks.Add(s.Weight.DetachFromDisposeScope());
                if (s.Bias is not null)
                {
                    stacks.Add(s.Bias.DetachFromDisposeScope());
                }
            }

            return stack;
        }
    }

    /// <summary>Clears the stacked projections and frees them.</summary>
    private sealed class Unstack(CausalLanguageModel model, List<Tensor> stacks) : IDisposable
    {
        public void Dispose()
        {
            foreach (var layer in model.Body.Layers)
            {
                layer.SelfAttention.Stacked = null;
                layer.Mlp.Stacked = null;
            }

            foreach (var t in stacks)
            {
                t.Dispose();
            }

            stacks.Clear();
        }
    }

    /// <summary>The rotary inverse frequencies on <paramref name="device"/>, moved there once and kept (not a copy per call).</summary>
    internal Tensor InverseFrequencies(Device device)
    {
        if (device == Device.Cpu)
        {
            return _inverseFrequencies;
        }

        if (_inverseFrequenciesOnDevice is null || _inverseFrequenciesOnDevice.Device != device)
        {
            _inverseFrequenciesOnDevice?.Dispose();
            _inverseFrequenciesOnDevice = _inverseFrequencies.To(device).DetachFromDisposeScope();
        }

        return _inverseFrequenciesOnDevice;
    }

    /// <summary>
    /// [batch, 1, seq, past + seq], true where query i may attend to key j: j ≤ i and key j is a real token. A query
    /// always sees itself, so rows of pure padding stay finite.
    /// </summary>
    internal static Tensor AttentionMask(Tensor real, long past, long seq)
    {
        var keys = past + seq;
        var keyPositions = TorchOps.Arange(keys, real.Device).Unsqueeze(0); // [1, S]
        var queryPositions = (TorchOps.Arange(seq, real.Device) + past).Unsqueeze(1); // [T, 1]
        var causal = keyPositions <= queryPositions; // [T, S]
        var diagonal = keyPositions.Eq(queryPositions);
        var allowed = causal.Unsqueeze(0) & real.Ne(0).Unsqueeze(1); // [B, T, S]
        return (allowed | diagonal.Unsqueeze(0)).Unsqueeze(1);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inverseFrequencies.Dispose();
            _inverseFrequenciesOnDevice?.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The transformer body: token embeddings, decoder layers and the final norm.</summary>
public sealed class DecoderStack : Module
{
    /// <summary>Creates the body.</summary>
    public DecoderStack(ModelConfig config, double initStd, Generator? generator, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(config.VocabSize, config.HiddenSize, ScalarType.Float32, null, generator));
        using (TorchOps.NoGrad())
        {
            EmbedTokens.Weight.MulInPlace(initStd);
        }

        if (dtype != ScalarType.Float32)
        {
            EmbedTokens.To(dtype);
        }

        Layers = RegisterModule("layers", new ModuleList<DecoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer(config, i, initStd, generator, dtype))));
        Norm = RegisterModule("norm", new RmsNorm(config.HiddenSize, config.RmsNormEps, dtype));
    }

    /// <summary>Token embeddings.</summary>
    public Embedding EmbedTokens { get; }

    /// <summary>The decoder layers.</summary>
    public ModuleList<DecoderLayer> Layers { get; }

    /// <summary>The final norm.</summary>
    public RmsNorm Norm { get; }
}
