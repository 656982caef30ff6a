namespace PostTrain.Trainer.Sources;

/// <summary>A downloaded file's content does not match the digest the hub announced for it; the partial file was deleted.</summary>
public sealed class HubChecksumException : HubDownloadException
{
    /// <summary>Creates the exception.</summary>
    public HubChecksumException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HubChecksumException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public HubChecksumException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
