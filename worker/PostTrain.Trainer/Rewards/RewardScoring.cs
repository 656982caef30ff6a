namespace PostTrain.Trainer.Rewards;

/// <summary>Scores many completions with one reward concurrently, results in input order.</summary>
public static class RewardScoring
{
    /// <summary>
    /// Starts every <see cref="IRewardFunction.ScoreAsync"/> at once and waits for all; how many actually run at the
    /// same time is the reward's own business (a code reward holds <see cref="CodeRewardOptions.MaxConcurrency"/>
    /// sandbox slots, pure-C# rewards finish inline).
    /// </summary>
    public static async Task<RewardResult[]> ScoreAllAsync(IRewardFunction reward, IReadOnlyList<RewardInput> inputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentNullException.ThrowIfNull(inputs);
        var pending = new Task<RewardResult>[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            pending[i] = reward.ScoreAsync(inputs[i], cancellationToken).AsTask();
        }

        return await Task.WhenAll(pending).ConfigureAwait(false);
    }
}
