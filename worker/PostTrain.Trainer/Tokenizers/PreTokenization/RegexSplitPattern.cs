using System.Text.RegularExpressions;

namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>
/// A split pattern run by .NET's Regex, for patterns <see cref="GptSplitScanner"/> does not know. .NET
/// matches UTF-16 code units, so <c>\p{L}</c> and friends do not match astral-plane characters (they are
/// surrogate pairs there), unlike Oniguruma in Hugging Face tokenizers; for BMP text the two agree.
/// </summary>
internal sealed class RegexSplitPattern : ISplitPattern
{
    private readonly Regex _regex;

    public RegexSplitPattern(string pattern)
    {
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>A pattern that matches a literal string (tokenizer.json's <c>{"String": ...}</c>).</summary>
    public static RegexSplitPattern Literal(string value) => new(Regex.Escape(value));

    /// <inheritdoc />
    public void FindMatches(string text, TextSpan range, List<TextSpan> matches)
    {
        foreach (var match in _regex.EnumerateMatches(text.AsSpan(range.Start, range.Length)))
        {
            if (match.Length > 0)
            {
                matches.Add(new TextSpan(range.Start + match.Index, match.Length));
            }
        }
    }
}
