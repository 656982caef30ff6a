namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// The roles of well-known special tokens. Any of them may be absent (null). Ids and spellings come from
/// tokenizer_config.json when it sits beside tokenizer.json, otherwise from the conventional spellings
/// (<c>&lt;|endoftext|&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;|begin_of_text|&gt;</c>, ...).
/// </summary>
/// <param name="Bos">Beginning of sequence, e.g. Llama 3's <c>&lt;|begin_of_text|&gt;</c>.</param>
/// <param name="Eos">End of sequence, e.g. <c>&lt;|endoftext|&gt;</c>.</param>
/// <param name="Pad">Padding, used by batch encoding.</param>
/// <param name="Unk">Unknown token, if the model has one.</param>
public sealed record SpecialTokens(SpecialToken? Bos, SpecialToken? Eos, SpecialToken? Pad, SpecialToken? Unk)
{
    /// <summary>No special tokens at all.</summary>
    public static SpecialTokens None { get; } = new(null, null, null, null);
}

/// <summary>A special token: its text and its id.</summary>
/// <param name="Content">The token as written in text, e.g. <c>&lt;|im_end|&gt;</c>.</param>
/// <param name="Id">Its id.</param>
public sealed record SpecialToken(string Content, int Id);
