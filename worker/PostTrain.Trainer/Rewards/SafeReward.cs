namespace PostTrain.Trainer.Rewards;

/// <summary>
/// Wraps a reward so that it never crashes a run: an exception (other than cancellation of the caller's token) or a
/// non-finite score becomes a score of 0 with <see cref="RewardResult.Failed"/> set, and is counted in <see cref="FailureCount"/>.
/// </summary>
public sealed class SafeReward : IRewardFunction
{
    private readonly IRewardFunction _inner;
    private readonly Action<string>? _warn;
    private long _failures;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="warn"/> receives one line per failure (e.g. a logger).</summary>
    public SafeReward(IRewardFunction inner, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _warn = warn;
    }

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <summary>How many scorings failed and were replaced by 0 so far.</summary>
    public long FailureCount => Interlocked.Read(ref _failures);

    /// <inheritdoc />
    public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var result = await _inner.ScoreAsync(input, cancellationToken).ConfigureAwait(false);
            if (double.IsFinite(result.Score))
            {
                if (result.Failed)
                {
                    Interlocked.Increment(ref _failures);
                }

                return result;
            }

            return Fail(input, $"returned a non-finite score {result.Score}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return Fail(input, $"threw {e.GetType().Name}: {e.Message}");
        }
    }

    private RewardResult Fail(RewardInput input, string why)
    {
        var count = Interlocked.Increment(ref _failures);
        var message = $"reward '{Name}' failed on item '{input.Example.Id}' and scored 0 ({count} failure(s) so far): {why}";
        _warn?.Invoke(message);
        return new RewardResult(0, message) { Failed = true };
    }
}
