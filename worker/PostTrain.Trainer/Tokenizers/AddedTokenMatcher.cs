using System.Buffers;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// Finds added tokens inside text, leftmost first and longest first at a position (Hugging Face's
/// leftmost-longest matching), honouring lstrip, rstrip and single_word.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Id).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>A piece of text: either ordinary text (<see cref="TokenId"/> is -1) or one added token.</summary>
    public readonly record struct Segment(int Start, int Length, int TokenId);

    /// <summary>Splits <paramref name="text"/> into ordinary segments and added tokens, in order. Empty ordinary segments are left out.</summary>
    public void Split(string text, List<Segment> segments)
    {
        var pos = 0; // start of the pending ordinary text
        var i = 0;
        while (i < text.Length)
        {
            var found = text.AsSpan(i).IndexOfAny(_firstChars);
            if (found < 0)
            {
                break;
            }

            i += found;
            var token = MatchAt(text, i, pos);
            if (token is null)
            {
                i++;
                continue;
            }

            var start = i;
            var end = i + token.Content.Length;
            if (token.LStrip)
            {
                while (start > pos && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }

            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }

            if (start > pos)
            {
                segments.Add(new Segment(pos, start - pos, -1));
            }

            segments.Add(new Segment(start, end - start, token.Id));
            pos = i = end;
        }

        if (pos < text.Length)
        {
            segments.Add(new Segment(pos, text.Length - pos, -1));
        }
    }

    private AddedToken? MatchAt(string text, int i, int segmentStart)
    {
        foreach (var token in _byFirstChar[text[i]])
        {
            if (!text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal))
            {
                continue;
            }

            if (token.SingleWord)
            {
                var end = i + token.Content.Length;
                var before = i > segmentStart && IsWordChar(text[i - 1]);
                var after = end < text.Length && IsWordChar(text[end]);
                if (before || after)
                {
                    continue;
                }
            }

            return token;
        }

        return null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
