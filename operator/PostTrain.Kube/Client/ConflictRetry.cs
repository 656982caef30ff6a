using System.Collections.Concurrent;
using Polly;
using Polly.Retry;

namespace PostTrain.Kube.Client;

/// <summary>Retries an optimistic-concurrency write on 409 Conflict (client-go's retry.RetryOnConflict), through a Polly retry.</summary>
public static class ConflictRetry
{
    private static readonly ConcurrentDictionary<int, ResiliencePipeline> Pipelines = new();

    /// <summary>Runs <paramref name="attempt"/> (which should re-read before writing) until it does not conflict, at most <paramref name="attempts"/> times, about 10 ms apart.</summary>
    /// <param name="attempt">One read-modify-write.</param>
    /// <param name="attempts">Attempts in all (the first included).</param>
    /// <param name="cancellationToken">Stops the attempts and the pauses between them.</param>
    /// <returns>What the first attempt that did not conflict returned; the last conflict is thrown when every attempt conflicts.</returns>
    public static async Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> attempt, int attempts = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        var pipeline = Pipelines.GetOrAdd(attempts, static n => Build(n));
        return await pipeline.ExecuteAsync(
            static async (state, token) => await state(token).ConfigureAwait(false),
            attempt,
            cancellationToken).ConfigureAwait(false);
    }

    private static ResiliencePipeline Build(int attempts)
    {
        var builder = new ResiliencePipelineBuilder();
        if (attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.FromMilliseconds(10),
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<KubernetesApiException>(e => e.IsConflict),
            });
        }

        return builder.Build();
    }
}
