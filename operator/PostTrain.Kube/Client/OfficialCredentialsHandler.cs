using k8s.Authentication;

namespace PostTrain.Kube.Client;

/// <summary>
/// The last step before the official client's transport: applies the official credentials (bearer token from a
/// token, token file, exec plugin or OIDC provider, or basic auth) and its tls-server-name Host header, which the
/// official client adds in its own request method rather than in its handlers. A request that already carries an
/// Authorization header (one the official client's own methods sent) is left as it is.
/// </summary>
/// <remarks>
/// The official token providers are not safe for concurrent use: at expiry every request in flight would run the exec
/// plugin, or redeem the OIDC refresh token (which identity providers that rotate refresh tokens accept once). So one
/// request at a time asks for the header; a cached token makes that a few microseconds.
/// </remarks>
/// <param name="credentials">The official credentials of the configuration; null for none.</param>
/// <param name="tlsServerName">The kubeconfig's tls-server-name; null for none.</param>
internal sealed class OfficialCredentialsHandler(ServiceClientCredentials? credentials, string? tlsServerName) : DelegatingHandler
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (credentials is not null && request.Headers.Authorization is null)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        if (!string.IsNullOrWhiteSpace(tlsServerName))
        {
            request.Headers.Host = tlsServerName;
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }
}
