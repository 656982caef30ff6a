namespace PostTrain.Kube.Config;

/// <summary>Supplies the bearer token for each request; implementations refresh it before it expires.</summary>
public interface IAccessTokenProvider
{
    /// <summary>The current token, or null for none; <paramref name="forceRefresh"/> after a 401.</summary>
    ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);
}
