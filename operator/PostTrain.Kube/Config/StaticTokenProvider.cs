namespace PostTrain.Kube.Config;

/// <summary>A fixed bearer token (kubeconfig user.token).</summary>
/// <param name="token">The token.</param>
public sealed class StaticTokenProvider(string token) : IAccessTokenProvider
{
    /// <inheritdoc />
    public ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
}
