namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>A piece of a rendered conversation: text to tokenize, or one special token by spelling; <see cref="Trainable"/> when the assistant produced it.</summary>
/// <param name="Text">The text, or the special token's spelling.</param>
/// <param name="IsSpecialToken">The text is one special token, looked up by spelling rather than tokenized.</param>
/// <param name="Trainable">The segment counts as assistant output in the mask.</param>
public readonly record struct ChatSegment(string Text, bool IsSpecialToken, bool Trainable)
{
    /// <summary>Plain text.</summary>
    public static ChatSegment Plain(string text, bool trainable = false) => new(text, false, trainable);

    /// <summary>A special token.</summary>
    public static ChatSegment Special(string token, bool trainable = false) => new(token, true, trainable);
}
