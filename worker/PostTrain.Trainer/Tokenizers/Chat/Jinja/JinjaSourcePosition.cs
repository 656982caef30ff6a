namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>A place in a template's source: 1-based line and column (after newlines are normalised to <c>\n</c>).</summary>
/// <param name="Line">The line, from 1.</param>
/// <param name="Column">The column, from 1, in UTF-16 code units.</param>
public readonly record struct JinjaSourcePosition(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}";
}
