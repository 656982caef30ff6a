using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Where rendered text goes: the template's output, or a capture (a <c>set</c> block, a macro call, a <c>filter</c>
/// block) whose text becomes a value. Carries the provenance of tracked text into the output, and records the spans
/// that <c>{% generation %}</c> blocks write at the top level.
/// </summary>
internal sealed class JinjaOutput
{
    private readonly TextProvenance _provenance;
    private readonly Stack<Frame> _frames = new();
    private readonly List<(int Start, int End)> _generation = [];

    public JinjaOutput(TextProvenance provenance)
    {
        _provenance = provenance;
        _frames.Push(new Frame());
    }

    /// <summary>Whether text now goes into a capture rather than the output.</summary>
    public bool Capturing => _frames.Count > 1;

    /// <summary>Characters written to the current frame so far.</summary>
    public int Length => _frames.Peek().Text.Length;

    /// <summary>Spans of the output written inside <c>{% generation %}</c> blocks.</summary>
    public IReadOnlyList<(int Start, int End)> GenerationSpans => _generation;

    public void Write(string text)
    {
        var frame = _frames.Peek();
        if (_provenance.Enabled)
        {
            foreach (var piece in _provenance.PiecesOf(text))
            {
                frame.Pieces.Add(piece with { Start = piece.Start + frame.Text.Length });
            }
        }

        frame.Text.Append(text);
    }

    public void BeginCapture() => _frames.Push(new Frame());

    public string EndCapture()
    {
        var frame = _frames.Pop();
        return _provenance.Register(frame.Text.ToString(), frame.Pieces);
    }

    public void AddGenerationSpan(int start, int end)
    {
        if (!Capturing && end > start)
        {
            _generation.Add((start, end));
        }
    }

    /// <summary>The finished output and the tracked runs in it.</summary>
    public (string Text, IReadOnlyList<TextProvenance.Piece> Pieces) Finish()
    {
        var frame = _frames.Peek();
        return (frame.Text.ToString(), frame.Pieces);
    }

    private sealed class Frame
    {
        public StringBuilder Text { get; } = new();

        public List<TextProvenance.Piece> Pieces { get; } = [];
    }
}
