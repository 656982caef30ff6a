namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Matches ASCII digits (each alone, or runs), as Hugging Face's Digits pre-tokenizer does.</summary>
internal sealed class AsciiDigitsPattern(bool individualDigits) : ISplitPattern
{
    /// <inheritdoc />
    public void FindMatches(string text, TextSpan range, List<TextSpan> matches)
    {
        var i = range.Start;
        while (i < range.End)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            var j = i + 1;
            while (!individualDigits && j < range.End && char.IsAsciiDigit(text[j]))
            {
                j++;
            }

            matches.Add(new TextSpan(i, j - i));
            i = j;
        }
    }
}
