using System.Net;
using System.Net.Http.Headers;

namespace PostTrain.Kube.Config;

/// <summary>Adds the bearer token to each request; on 401 refreshes the token once and retries.</summary>
/// <param name="provider">The token source.</param>
public sealed class BearerTokenHandler(IAccessTokenProvider provider) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await provider.GetTokenAsync(forceRefresh: false, cancellationToken).ConfigureAwait(false);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || request.Content is StreamContent)
        {
            return response;
        }

        var refreshed = await provider.GetTokenAsync(forceRefresh: true, cancellationToken).ConfigureAwait(false);
        if (refreshed is null || refreshed == token)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshed);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
