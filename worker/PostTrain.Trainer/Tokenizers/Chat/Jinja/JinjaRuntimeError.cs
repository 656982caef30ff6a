namespace PostTrain.Trainer.Tokenizers.Chat.Jinja;

/// <summary>A failure inside an operator, filter, test or function; the interpreter adds the position and turns it into a <see cref="JinjaRenderException"/>.</summary>
internal sealed class JinjaRuntimeError : Exception
{
    public JinjaRuntimeError(string message, bool raisedByTemplate = false)
        : base(message)
    {
        RaisedByTemplate = raisedByTemplate;
    }

    public JinjaRuntimeError()
    {
    }

    public JinjaRuntimeError(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>From the template's own <c>raise_exception</c>.</summary>
    public bool RaisedByTemplate { get; }
}
