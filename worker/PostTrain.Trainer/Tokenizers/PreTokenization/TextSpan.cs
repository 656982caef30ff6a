namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>A piece of a string: its start offset and length in UTF-16 code units.</summary>
internal readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
}
