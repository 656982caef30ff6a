namespace PostTrain.Kube.Client;

/// <summary>Retries an optimistic-concurrency write on 409 Conflict (client-go's retry.RetryOnConflict).</summary>
public static class ConflictRetry
{
    /// <summary>Runs <paramref name="attempt"/> (which should re-read before writing) until it does not conflict, at most <paramref name="attempts"/> times.</summary>
    public static async Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> attempt, int attempts = 5, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var delay = TimeSpan.FromMilliseconds(10);
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsConflict && i < attempts)
            {
                await Task.Delay(delay * (1 + (Random.Shared.NextDouble() * 0.1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
