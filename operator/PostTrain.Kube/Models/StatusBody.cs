using System.Text.Json;

namespace PostTrain.Kube.Models;

/// <summary>metav1.Status, the body of API errors.</summary>
public sealed class StatusBody
{
    /// <summary>Success or Failure.</summary>
    public string? Status { get; set; }

    /// <summary>Human-readable description.</summary>
    public string? Message { get; set; }

    /// <summary>Machine-readable reason (NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, TooManyRequests...).</summary>
    public string? Reason { get; set; }

    /// <summary>HTTP status code.</summary>
    public int Code { get; set; }

    /// <summary>Details (name, group, kind, causes), kept opaque.</summary>
    public JsonElement? Details { get; set; }
}
