namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Leaves the text in one piece (ByteLevel with use_regex false, or no pre-tokenizer).</summary>
internal sealed class WholeTextPreTokenizer : IPreTokenizer
{
    public static WholeTextPreTokenizer Instance { get; } = new();

    /// <inheritdoc />
    public void Split(string text, TextSpan range, List<TextSpan> pieces)
    {
        if (range.Length > 0)
        {
            pieces.Add(range);
        }
    }
}
