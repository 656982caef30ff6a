namespace PostTrain.Trainer.Tokenizers;

/// <summary>Decides which tokens play the bos/eos/pad/unk roles: tokenizer_config.json first, conventional spellings otherwise.</summary>
internal static class SpecialTokenResolver
{
    private static readonly string[] EosSpellings = ["<|endoftext|>", "<|end_of_text|>", "</s>", "<|im_end|>", "<eos>"];
    private static readonly string[] BosSpellings = ["<|begin_of_text|>", "<s>", "<bos>"];
    private static readonly string[] PadSpellings = ["<pad>", "<|pad|>", "<|finetune_right_pad_id|>", "<|endoftext|>"];

    public static SpecialTokens Resolve(IReadOnlyDictionary<string, int> tokens, TokenizerConfig? config, string? unkToken)
    {
        var eos = Pick(tokens, config?.EosToken, EosSpellings);
        var pad = Pick(tokens, config?.PadToken, PadSpellings) ?? eos;
        return new SpecialTokens(
            Pick(tokens, config?.BosToken, config is null ? BosSpellings : []),
            eos,
            pad,
            Pick(tokens, config?.UnkToken ?? unkToken, []));
    }

    private static SpecialToken? Pick(IReadOnlyDictionary<string, int> tokens, string? configured, string[] conventional)
    {
        if (configured is not null)
        {
            return tokens.TryGetValue(configured, out var id) ? new SpecialToken(configured, id) : null;
        }

        foreach (var spelling in conventional)
        {
            if (tokens.TryGetValue(spelling, out var id))
            {
                return new SpecialToken(spelling, id);
            }
        }

        return null;
    }
}
