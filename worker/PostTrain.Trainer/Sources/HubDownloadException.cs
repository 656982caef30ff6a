using System.Net;

namespace PostTrain.Trainer.Sources;

/// <summary>A hub request failed: the message names the repository, file, revision and URL, and says what to do.</summary>
public class HubDownloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubDownloadException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HubDownloadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public HubDownloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an HTTP status.</summary>
    public HubDownloadException(string message, HttpStatusCode statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the hub answered with, when the failure was one.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The pause the hub asked for before the next attempt (<c>Retry-After</c>), when it sent one.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
