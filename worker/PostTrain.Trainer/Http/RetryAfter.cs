namespace PostTrain.Trainer.Http;

/// <summary>Reads a response's <c>Retry-After</c> header (seconds, or an HTTP date) as the pause before the next attempt.</summary>
internal static class RetryAfter
{
    /// <summary>The pause the server asks for (never negative), or null when it sent no usable <c>Retry-After</c>.</summary>
    /// <param name="response">The answer.</param>
    /// <param name="timeProvider">The clock a date is measured against.</param>
    public static TimeSpan? From(HttpResponseMessage response, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        var wait = header.Delta ?? (header.Date is { } date ? date - timeProvider.GetUtcNow() : null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }
}
