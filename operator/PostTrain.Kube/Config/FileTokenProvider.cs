namespace PostTrain.Kube.Config;

/// <summary>
/// A token read from a file and re-read when it may have rotated (the projected service-account token, or
/// kubeconfig tokenFile): at most <paramref name="rereadAfter"/> old, and immediately after a 401.
/// </summary>
/// <param name="path">Token file.</param>
/// <param name="rereadAfter">How long a read is trusted (client-go: one minute).</param>
/// <param name="time">Clock, for tests.</param>
public sealed class FileTokenProvider(string path, TimeSpan rereadAfter, TimeProvider? time = null) : IAccessTokenProvider
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _readAt;

    /// <summary>The token file.</summary>
    public string Path => path;

    /// <inheritdoc />
    public async ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (forceRefresh || _token is null || _time.GetUtcNow() - _readAt >= rereadAfter)
            {
                string text;
                try
                {
                    text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (_token is not null)
                    {
                        return _token;
                    }

                    throw new KubeConfigException($"cannot read the bearer token file {path}: {e.Message}. Check that the file exists and is readable (in a pod: that the service account token is mounted, automountServiceAccountToken is not false).", e);
                }

                _token = text.Trim();
                _readAt = _time.GetUtcNow();
            }

            return _token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
