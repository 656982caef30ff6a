namespace PostTrain.Trainer.Rewards;

/// <summary>The HTTP verifier did not give a usable score; the message names the URL, the attempts and the last error.</summary>
public sealed class HttpVerifierException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HttpVerifierException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HttpVerifierException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public HttpVerifierException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
