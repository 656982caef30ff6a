namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Finds the non-overlapping matches of a split pattern, left to right.</summary>
internal interface ISplitPattern
{
    /// <summary>Appends the matches found in <c>text[range]</c> to <paramref name="matches"/> as absolute offsets.</summary>
    void FindMatches(string text, TextSpan range, List<TextSpan> matches);
}
