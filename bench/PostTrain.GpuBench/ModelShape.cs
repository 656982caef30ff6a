using PostTrain.Trainer.Models;

namespace PostTrain.GpuBench;

/// <summary>A Llama-shaped model to time, with random weights and a 32,000-token vocabulary.</summary>
/// <param name="Name">How results name it.</param>
/// <param name="Config">The architecture.</param>
public sealed record ModelShape(string Name, ModelConfig Config)
{
    /// <summary>~134M parameters: width 768, 12 layers, 12 heads of 64 (4 KV heads), MLP 2,048, untied head.</summary>
    public static ModelShape Llama125M { get; } = Shape("125m", 768, 12, 12, 4, 2048, tied: false);

    /// <summary>~0.47B parameters: width 1,280, 24 layers, 20 heads of 64 (4 KV heads), MLP 3,584, tied head.</summary>
    public static ModelShape Llama500M { get; } = Shape("0.5b", 1280, 24, 20, 4, 3584, tied: true);

    /// <summary>CPU stand-ins with the same structure: width 128 and 256, 2 and 4 layers.</summary>
    public static ModelShape ToyA { get; } = Shape("toy-a", 128, 2, 4, 2, 384, tied: false, vocab: 4096);

    /// <summary>The second CPU stand-in.</summary>
    public static ModelShape ToyB { get; } = Shape("toy-b", 256, 4, 4, 2, 704, tied: true, vocab: 4096);

    /// <summary>Parameters that multiply activations: all but the embedding table, plus the output projection.</summary>
    public long MatmulParameters => Config.ParameterCount - ((long)Config.VocabSize * Config.HiddenSize * (Config.TieWordEmbeddings ? 1 : 2)) + ((long)Config.VocabSize * Config.HiddenSize);

    /// <summary>
    /// Training FLOPs per token (PaLM's count): 6 per matmul parameter (forward 2, backward 4) plus attention's
    /// 12 · layers · heads · head dim · sequence length (scores and weighted values, forward and backward, no causal
    /// discount).
    /// </summary>
    public double TrainingFlopsPerToken(int sequenceLength) =>
        (6.0 * MatmulParameters) + (12.0 * Config.NumHiddenLayers * Config.NumAttentionHeads * Config.HeadDim * sequenceLength);

    private static ModelShape Shape(string name, int hidden, int layers, int heads, int kvHeads, int mlp, bool tied, int vocab = 32000) => new(name, new ModelConfig
    {
        ModelType = "llama",
        VocabSize = vocab,
        HiddenSize = hidden,
        IntermediateSize = mlp,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = hidden / heads,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        MaxPositionEmbeddings = 4096,
        TieWordEmbeddings = tied,
        TorchDtype = "float32",
    });
}
