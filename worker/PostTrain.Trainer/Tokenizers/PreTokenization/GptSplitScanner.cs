namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>
/// A hand-written matcher, over code points, for the split regexes of the GPT family: GPT-2's
/// (<see cref="Gpt2Pattern"/>) and the GPT-4 style one used by Qwen2/Qwen3 (<see cref="Qwen2Pattern"/>)
/// and Llama 3 / cl100k (<see cref="Cl100kPattern"/>). It follows the regexes' leftmost-first alternation
/// and backtracking exactly, but on whole code points like Oniguruma and JavaScript's <c>u</c> flag, where
/// .NET's Regex would see an astral character as two UTF-16 surrogates. It allocates nothing.
/// </summary>
internal sealed class GptSplitScanner : ISplitPattern
{
    /// <summary>GPT-2's pattern (also the ByteLevel pre-tokenizer's when use_regex is true).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2 / Qwen3's pattern: GPT-4 style with single digits.</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>cl100k / Llama 3's pattern: GPT-4 style with digit groups of up to three.</summary>
    public const string Cl100kPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly bool _gpt4Style;
    private readonly int _maxDigits;

    private GptSplitScanner(bool gpt4Style, int maxDigits)
    {
        _gpt4Style = gpt4Style;
        _maxDigits = maxDigits;
    }

    /// <summary>The GPT-2 scanner.</summary>
    public static GptSplitScanner Gpt2 { get; } = new(false, int.MaxValue);

    /// <summary>The scanner for a known pattern, or null when <paramref name="pattern"/> is not one of them.</summary>
    public static GptSplitScanner? TryCreate(string pattern) => pattern switch
    {
        Gpt2Pattern => Gpt2,
        Qwen2Pattern => new GptSplitScanner(true, 1),
        Cl100kPattern => new GptSplitScanner(true, 3),
        _ => null,
    };

    /// <inheritdoc />
    public void FindMatches(string text, TextSpan range, List<TextSpan> matches)
    {
        var i = range.Start;
        var end = range.End;
        while (i < end)
        {
            var length = _gpt4Style ? MatchGpt4(text, i, end) : MatchGpt2(text, i, end);
            matches.Add(new TextSpan(i, length));
            i += length;
        }
    }

    private int MatchGpt2(string text, int i, int end)
    {
        var cp = CharClass.CodePointAt(text, i, end, out var width);
        if (cp == '\'')
        {
            var n = Contraction(text, i + 1, end, ignoreCase: false);
            if (n > 0)
            {
                return 1 + n;
            }
        }

        var kind = CharClass.Of(cp);
        if (cp == ' ' && i + 1 < end)
        {
            var nextKind = CharClass.Of(CharClass.CodePointAt(text, i + 1, end, out _));
            if (nextKind != CharKind.Space)
            {
                return 1 + Run(text, i + 1, end, nextKind);
            }
        }

        if (kind != CharKind.Space)
        {
            return Run(text, i, end, kind);
        }

        return Whitespace(text, i, end, newlineRule: false);
    }

    private int MatchGpt4(string text, int i, int end)
    {
        var cp = CharClass.CodePointAt(text, i, end, out var width);
        if (cp == '\'')
        {
            var n = Contraction(text, i + 1, end, ignoreCase: true);
            if (n > 0)
            {
                return 1 + n;
            }
        }

        var kind = CharClass.Of(cp);

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == CharKind.Letter)
        {
            return Run(text, i, end, CharKind.Letter);
        }

        if (cp != '\r' && cp != '\n' && kind != CharKind.Number && i + width < end
            && CharClass.Of(CharClass.CodePointAt(text, i + width, end, out _)) == CharKind.Letter)
        {
            return width + Run(text, i + width, end, CharKind.Letter);
        }

        // \p{N}{1,k}
        if (kind == CharKind.Number)
        {
            var j = i;
            for (var count = 0; count < _maxDigits && j < end; count++)
            {
                var d = CharClass.CodePointAt(text, j, end, out var w);
                if (CharClass.Of(d) != CharKind.Number)
                {
                    break;
                }

                j += w;
            }

            return j - i;
        }

        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        if (cp == ' ' && i + 1 < end && CharClass.Of(CharClass.CodePointAt(text, i + 1, end, out _)) == CharKind.Other)
        {
            var j = i + 1 + Run(text, i + 1, end, CharKind.Other);
            return NewlineRunEnd(text, j, end) - i;
        }

        if (kind == CharKind.Other)
        {
            var j = i + Run(text, i, end, CharKind.Other);
            return NewlineRunEnd(text, j, end) - i;
        }

        return Whitespace(text, i, end, newlineRule: true);
    }

    /// <summary><c>\s*[\r\n]+</c> (when <paramref name="newlineRule"/>), then <c>\s+(?!\S)</c>, then <c>\s+</c>, at a whitespace character.</summary>
    private static int Whitespace(string text, int i, int end, bool newlineRule)
    {
        var runEnd = i;
        var lastNewline = -1;
        while (runEnd < end)
        {
            var c = text[runEnd];
            if (!CharClass.IsWhiteSpace(c))
            {
                break; // every White_Space character is in the BMP
            }

            if (c is '\r' or '\n')
            {
                lastNewline = runEnd;
            }

            runEnd++;
        }

        if (newlineRule && lastNewline >= 0)
        {
            return lastNewline + 1 - i;
        }

        if (runEnd == end || runEnd - i < 2)
        {
            return runEnd - i;
        }

        return runEnd - i - 1;
    }

    private static int NewlineRunEnd(string text, int j, int end)
    {
        while (j < end && text[j] is '\r' or '\n')
        {
            j++;
        }

        return j;
    }

    /// <summary>The length in chars of the run of <paramref name="kind"/> code points starting at <paramref name="i"/>.</summary>
    private static int Run(string text, int i, int end, CharKind kind)
    {
        var j = i;
        while (j < end)
        {
            var c = text[j];
            if (c < 0xD800 || c > 0xDFFF)
            {
                if (CharClass.Of(c) != kind)
                {
                    break;
                }

                j++;
                continue;
            }

            var cp = CharClass.CodePointAt(text, j, end, out var w);
            if (CharClass.Of(cp) != kind)
            {
                break;
            }

            j += w;
        }

        return j - i;
    }

    /// <summary>Length of the contraction suffix (s, t, re, ve, m, ll, d) after an apostrophe, or 0.</summary>
    private static int Contraction(string text, int j, int end, bool ignoreCase)
    {
        if (j >= end)
        {
            return 0;
        }

        char Lower(int k) => ignoreCase && text[k] is >= 'A' and <= 'Z' ? (char)(text[k] | 0x20) : text[k];
        var c = Lower(j);
        switch (c)
        {
            case 's' or 't' or 'm' or 'd':
                return 1;
            case 'r' when j + 1 < end && Lower(j + 1) == 'e':
            case 'v' when j + 1 < end && Lower(j + 1) == 'e':
            case 'l' when j + 1 < end && Lower(j + 1) == 'l':
                return 2;
            default:
                return 0;
        }
    }
}
