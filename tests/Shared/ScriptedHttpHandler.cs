namespace PostTrain.Testing;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers each request with the next response of a script (the last one again
/// once the script is used up) and counts the requests; no socket is opened. A <see cref="DelegatingHandler"/> so that
/// it can also sit in the official Kubernetes client's handler chain, where it answers instead of the transport.
/// </summary>
internal sealed class ScriptedHttpHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) : DelegatingHandler
{
    private int _requests;

    /// <summary>How many requests arrived.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var n = Interlocked.Increment(ref _requests);
        var response = script[Math.Min(n, script.Length) - 1](request);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
