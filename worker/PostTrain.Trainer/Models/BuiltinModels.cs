using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;

namespace PostTrain.Trainer.Models;

/// <summary>Models that ship with the project, named by <c>builtin://</c> URIs, for the demo and tests.</summary>
public static class BuiltinModels
{
    /// <summary>The URI of the tiny Llama model.</summary>
    public const string TinyUri = "builtin://tiny";

    /// <summary>
    /// A small Llama configuration (4 layers, width 128, 4 query and 2 key/value heads, ~1M parameters) sized to the
    /// built-in arithmetic tokenizer, trainable on a CPU in minutes.
    /// </summary>
    public static ModelConfig Tiny(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var eos = tokenizer.TokenToId(BuiltinTokenizers.ImEnd);
        var endOfText = tokenizer.TokenToId(BuiltinTokenizers.EndOfText);
        return new ModelConfig
        {
            ModelType = "llama",
            VocabSize = tokenizer.VocabSize,
            HiddenSize = 128,
            IntermediateSize = 384,
            NumHiddenLayers = 4,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 32,
            RmsNormEps = 1e-5,
            RopeTheta = 10000,
            MaxPositionEmbeddings = 512,
            TieWordEmbeddings = true,
            TorchDtype = "float32",
            EosTokenIds = [.. new[] { eos, endOfText }.Where(i => i.HasValue).Select(i => i!.Value)],
        };
    }

    /// <summary>True when <paramref name="uri"/> names a built-in model.</summary>
    public static bool IsBuiltin(string uri) => uri.StartsWith("builtin://", StringComparison.Ordinal);
}
