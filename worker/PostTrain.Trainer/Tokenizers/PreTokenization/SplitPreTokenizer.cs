namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>Hugging Face's Split pre-tokenizer: a pattern's matches are delimiters handled by a <see cref="SplitBehavior"/>; invert swaps matches and the text between them.</summary>
internal sealed class SplitPreTokenizer(ISplitPattern pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    [ThreadStatic]
    private static List<TextSpan>? t_matches;

    [ThreadStatic]
    private static List<(TextSpan Span, bool IsDelimiter)>? t_parts;

    /// <inheritdoc />
    public void Split(string text, TextSpan range, List<TextSpan> pieces)
    {
        var matches = t_matches ??= [];
        matches.Clear();
        pattern.FindMatches(text, range, matches);
        if (behavior == SplitBehavior.Isolated)
        {
            // Gaps and matches alike become pieces, whichever side invert puts them on.
            var pos = range.Start;
            foreach (var m in matches)
            {
                if (m.Start > pos)
                {
                    pieces.Add(new TextSpan(pos, m.Start - pos));
                }

                pieces.Add(m);
                pos = m.End;
            }

            if (pos < range.End)
            {
                pieces.Add(new TextSpan(pos, range.End - pos));
            }

            return;
        }

        var parts = t_parts ??= [];
        parts.Clear();
        var at = range.Start;
        foreach (var m in matches)
        {
            if (m.Start > at)
            {
                parts.Add((new TextSpan(at, m.Start - at), invert));
            }

            parts.Add((m, !invert));
            at = m.End;
        }

        if (at < range.End)
        {
            parts.Add((new TextSpan(at, range.End - at), invert));
        }

        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var (span, isDelimiter) in parts)
                {
                    if (!isDelimiter)
                    {
                        pieces.Add(span);
                    }
                }

                break;
            case SplitBehavior.Contiguous:
                MergeInto(pieces, parts, (prevDelim, delim) => prevDelim && delim);
                break;
            case SplitBehavior.MergedWithPrevious:
                MergeInto(pieces, parts, (prevDelim, delim) => delim && !prevDelim);
                break;
            case SplitBehavior.MergedWithNext:
                var pendingStart = -1;
                foreach (var (span, isDelimiter) in parts)
                {
                    if (isDelimiter && pendingStart < 0)
                    {
                        pendingStart = span.Start;
                        continue;
                    }

                    if (isDelimiter)
                    {
                        pieces.Add(new TextSpan(pendingStart, span.Start - pendingStart));
                        pendingStart = span.Start;
                        continue;
                    }

                    var start = pendingStart >= 0 ? pendingStart : span.Start;
                    pieces.Add(new TextSpan(start, span.End - start));
                    pendingStart = -1;
                }

                if (pendingStart >= 0)
                {
                    pieces.Add(new TextSpan(pendingStart, range.End - pendingStart));
                }

                break;
            default:
                throw new InvalidOperationException($"unhandled split behavior {behavior}");
        }
    }

    private static void MergeInto(List<TextSpan> pieces, List<(TextSpan Span, bool IsDelimiter)> parts, Func<bool, bool, bool> joinsPrevious)
    {
        var first = pieces.Count;
        var previousDelimiter = false;
        foreach (var (span, isDelimiter) in parts)
        {
            if (pieces.Count > first && joinsPrevious(previousDelimiter, isDelimiter))
            {
                var last = pieces[^1];
                pieces[^1] = new TextSpan(last.Start, span.End - last.Start);
            }
            else
            {
                pieces.Add(span);
            }

            previousDelimiter = isDelimiter;
        }
    }
}
