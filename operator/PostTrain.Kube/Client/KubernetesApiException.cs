using System.Net;
using k8s.Models;

namespace PostTrain.Kube.Client;

/// <summary>An API request failed; <see cref="Status"/> is the server's metav1.Status body when it sent one.</summary>
public sealed class KubernetesApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KubernetesApiException(HttpStatusCode statusCode, V1Status? status, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status body, if any.</summary>
    public V1Status? Status { get; }

    /// <summary>The server's Retry-After, if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The Status reason (NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, ...).</summary>
    public string? Reason => Status?.Reason;

    /// <summary>404.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>409 AlreadyExists (a create hit an existing name).</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>409 Conflict (stale resourceVersion, failed precondition, or an apply conflict).</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    /// <summary>410: the resourceVersion is older than the server's history; relist.</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    /// <summary>422 Invalid.</summary>
    public bool IsInvalid => StatusCode == HttpStatusCode.UnprocessableEntity;

    /// <summary>429 TooManyRequests.</summary>
    public bool IsTooManyRequests => StatusCode == HttpStatusCode.TooManyRequests;

    /// <summary>Whether retrying the same request later may succeed (429, 5xx).</summary>
    public bool IsTransient => IsTooManyRequests || (int)StatusCode >= 500;
}
