using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Sft;

internal static class SftFixtures
{
    public static ITokenizer Tokenizer => BuiltinTokenizers.Arithmetic;

    public static int PadId => Tokenizer.TokenToId(BuiltinTokenizers.Pad)!.Value;

    /// <summary>A small model on the arithmetic tokenizer, cheaper than builtin://tiny.</summary>
    public static ModelConfig SmallConfig => BuiltinModels.Tiny(Tokenizer) with { HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, HeadDim = 8 };

    public static IReadOnlyList<TokenizedSequence> Sequences(int count, int seed = 1)
    {
        var encoder = new SftEncoder(Tokenizer, ChatTemplate.ChatMl, 256);
        return [.. ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, count, seed).Select(encoder.Encode)];
    }
}
