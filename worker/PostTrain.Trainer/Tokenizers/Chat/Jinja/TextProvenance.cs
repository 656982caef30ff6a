namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Follows where the characters of chosen input strings (the chat messages' contents) go while a template renders:
/// substrings (slices, <c>trim</c>, <c>strip</c>, <c>split</c>), concatenation (<c>+</c>, <c>~</c>, <c>join</c>) and
/// captured output (<c>set</c> blocks, macros) keep each character's origin; any other operation (<c>replace</c>,
/// <c>upper</c>, <c>tojson</c>, ...) makes new text of unknown origin. Strings are told apart by reference, so each
/// tracked input is a fresh copy. When off, every method is the plain string operation.
/// </summary>
internal sealed class TextProvenance
{
    private readonly Dictionary<string, Piece[]> _pieces = new(ReferenceEqualityComparer.Instance);

    public TextProvenance(bool enabled) => Enabled = enabled;

    /// <summary>Tracking nothing.</summary>
    public static TextProvenance Off { get; } = new(false);

    public bool Enabled { get; }

    /// <summary>A fresh copy of <paramref name="text"/> whose characters all come from <paramref name="source"/>.</summary>
    public string Track(string text, int source)
    {
        if (!Enabled || text.Length == 0)
        {
            return text;
        }

        var copy = new string(text.AsSpan());
        _pieces[copy] = [new Piece(0, copy.Length, source, 0)];
        return copy;
    }

    /// <summary>The tracked runs of <paramref name="text"/>, in order.</summary>
    public IReadOnlyList<Piece> PiecesOf(string text) => Enabled && _pieces.TryGetValue(text, out var pieces) ? pieces : [];

    /// <summary>Records the runs of a string made elsewhere (captured output).</summary>
    public string Register(string text, List<Piece> pieces)
    {
        if (Enabled && text.Length > 0 && pieces.Count > 0)
        {
            _pieces[text] = [.. pieces];
        }

        return text;
    }

    /// <summary><c>text[start..start+length]</c> (UTF-16 units), keeping origins.</summary>
    public string Substring(string text, int start, int length)
    {
        if (start == 0 && length == text.Length)
        {
            return text;
        }

        var result = text.Substring(start, length);
        if (!Enabled || result.Length == 0 || !_pieces.TryGetValue(text, out var pieces))
        {
            return result;
        }

        var kept = new List<Piece>();
        foreach (var p in pieces)
        {
            var from = Math.Max(p.Start, start);
            var to = Math.Min(p.Start + p.Length, start + length);
            if (from < to)
            {
                kept.Add(new Piece(from - start, to - from, p.Source, p.SourceOffset + (from - p.Start)));
            }
        }

        return Register(result, kept);
    }

    /// <summary>The parts joined, keeping origins.</summary>
    public string Concat(IReadOnlyList<string> parts)
    {
        var result = string.Concat(parts);
        if (!Enabled || result.Length == 0)
        {
            return result;
        }

        var pieces = new List<Piece>();
        var offset = 0;
        foreach (var part in parts)
        {
            if (_pieces.TryGetValue(part, out var own))
            {
                pieces.AddRange(own.Select(p => p with { Start = p.Start + offset }));
            }

            offset += part.Length;
        }

        if (pieces.Count == 0)
        {
            return result;
        }

        // string.Concat hands back the one non-empty part itself; its runs are already the result's.
        return parts.Any(p => ReferenceEquals(p, result)) ? result : Register(result, pieces);
    }

    /// <summary>A run of <see cref="Length"/> characters at <see cref="Start"/> that came from input <see cref="Source"/> at <see cref="SourceOffset"/>.</summary>
    internal readonly record struct Piece(int Start, int Length, int Source, int SourceOffset);
}
