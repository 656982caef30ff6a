namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// Rendering failed where Python's Jinja2 would fail too: an undefined value called or used in arithmetic, a type error,
/// or the template's own <c>raise_exception(message)</c> (then <see cref="RaisedByTemplate"/> is true and the message
/// is the template's).
/// </summary>
public sealed class JinjaRenderException : JinjaException
{
    /// <summary>Creates the exception for a construct at a position.</summary>
    public JinjaRenderException(JinjaSourcePosition position, string construct, string message, bool raisedByTemplate = false)
        : base(position, construct, $"{construct}: {message}")
    {
        RaisedByTemplate = raisedByTemplate;
    }

    /// <summary>Creates the exception with no position.</summary>
    public JinjaRenderException()
    {
    }

    /// <summary>Creates the exception with a message and no position.</summary>
    public JinjaRenderException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping its cause, with no position.</summary>
    public JinjaRenderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The template called <c>raise_exception</c>: the conversation is one the template refuses.</summary>
    public bool RaisedByTemplate { get; }
}
