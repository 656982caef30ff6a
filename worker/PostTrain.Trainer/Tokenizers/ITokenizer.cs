namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// A text tokenizer: turns text into token ids and back. Implementations are thread-safe for
/// concurrent <see cref="Encode(string)"/> and <see cref="Decode"/> calls.
/// </summary>
public interface ITokenizer
{
    /// <summary>The number of token ids in use: one more than the largest id of the vocabulary and the added tokens.</summary>
    int VocabSize { get; }

    /// <summary>The well-known special tokens (end of sequence, padding, ...), where the tokenizer has them.</summary>
    SpecialTokens SpecialTokens { get; }

    /// <summary>Tokens added on top of the model vocabulary (special tokens such as <c>&lt;|im_start|&gt;</c> among them), in id order.</summary>
    IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>
    /// Encodes <paramref name="text"/> without adding any special token around it (Hugging Face's
    /// <c>add_special_tokens=False</c>). Added tokens written in the text are recognised as single ids
    /// where the tokenizer format asks for it (tokenizer.json does, GPT-2's vocab.bpe files do not).
    /// </summary>
    int[] Encode(string text);

    /// <summary>
    /// Decodes token ids to text. Byte sequences that are not valid UTF-8 (a token sequence cut in the
    /// middle of a character) decode to U+FFFD. Throws <see cref="ArgumentOutOfRangeException"/> for an id
    /// outside the vocabulary.
    /// </summary>
    /// <param name="ids">The token ids.</param>
    /// <param name="skipSpecialTokens">Leave out added tokens marked special (end of sequence, padding, chat markers).</param>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a token given in its vocabulary spelling (byte-level characters, e.g. <c>Ġthe</c>), or null when there is none.</summary>
    int? TokenToId(string token);

    /// <summary>The vocabulary spelling of a token id, or null when the id is not in use.</summary>
    string? IdToToken(int id);
}
