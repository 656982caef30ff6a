namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>
/// The template's source is not Jinja this renderer understands: a syntax error, or a construct (statement, filter,
/// test, operator) outside the supported subset. Raised when the template is parsed, before anything is rendered.
/// </summary>
public sealed class JinjaSyntaxException : JinjaException
{
    /// <summary>Creates the exception for a construct at a position.</summary>
    public JinjaSyntaxException(JinjaSourcePosition position, string construct, string message)
        : base(position, construct, message)
    {
    }

    /// <summary>Creates the exception with no position.</summary>
    public JinjaSyntaxException()
    {
    }

    /// <summary>Creates the exception with a message and no position.</summary>
    public JinjaSyntaxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping its cause, with no position.</summary>
    public JinjaSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
