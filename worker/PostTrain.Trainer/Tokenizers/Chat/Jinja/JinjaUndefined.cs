namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Jinja2's default <c>Undefined</c>: what a missing variable, attribute or item evaluates to. It renders as nothing, is
/// false, has length 0, iterates as empty and equals only another undefined; calling it, doing arithmetic or comparisons
/// with it, or reading its attributes or items fails with <see cref="Hint"/> (<c>'x' is undefined</c>).
/// </summary>
public sealed class JinjaUndefined
{
    /// <summary>Creates an undefined value that explains itself with <paramref name="hint"/> when used.</summary>
    public JinjaUndefined(string hint) => Hint = hint;

    /// <summary>Why the value is undefined, Jinja2's wording.</summary>
    public string Hint { get; }

    /// <summary>An undefined value for a missing variable.</summary>
    public static JinjaUndefined Variable(string name) => new($"'{name}' is undefined");

    /// <inheritdoc />
    public override string ToString() => string.Empty;
}
