namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// A template that cannot be parsed or rendered. The message starts with the position (<c>line:column</c>) and names the
/// construct at fault; <see cref="Position"/> and <see cref="Construct"/> carry the same for programs.
/// </summary>
public class JinjaException : Exception
{
    /// <summary>Creates the exception for a construct at a position.</summary>
    public JinjaException(JinjaSourcePosition position, string construct, string message, Exception? innerException = null)
        : base($"{position}: {message}", innerException)
    {
        Position = position;
        Construct = construct;
        Detail = message;
    }

    /// <summary>Creates the exception with no position.</summary>
    public JinjaException()
    {
        Construct = string.Empty;
        Detail = string.Empty;
    }

    /// <summary>Creates the exception with a message and no position.</summary>
    public JinjaException(string message)
        : base(message)
    {
        Construct = string.Empty;
        Detail = message;
    }

    /// <summary>Creates the exception wrapping its cause, with no position.</summary>
    public JinjaException(string message, Exception innerException)
        : base(message, innerException)
    {
        Construct = string.Empty;
        Detail = message;
    }

    /// <summary>Where in the template source the problem is.</summary>
    public JinjaSourcePosition Position { get; }

    /// <summary>The construct at fault, as written (<c>include</c>, <c>filter 'groupby'</c>, <c>+</c>, ...).</summary>
    public string Construct { get; }

    /// <summary>The message without the position.</summary>
    public string Detail { get; }
}
