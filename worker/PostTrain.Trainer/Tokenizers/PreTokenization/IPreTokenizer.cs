namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Splits text into the pieces ("words") that BPE encodes independently.</summary>
internal interface IPreTokenizer
{
    /// <summary>Appends the pieces of <c>text[start..start+length]</c> to <paramref name="pieces"/>, as absolute offsets, in order, covering no more than the range.</summary>
    void Split(string text, TextSpan range, List<TextSpan> pieces);
}
