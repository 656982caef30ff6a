namespace PostTrain.Trainer.Rewards;

/// <summary>A verifiable reward: scores one completion. Implementations are thread-safe; RLVR scores many completions at once.</summary>
public interface IRewardFunction
{
    /// <summary>A short name used in metrics and in composite details, e.g. "math" or "format".</summary>
    string Name { get; }

    /// <summary>Scores one completion.</summary>
    ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken);
}
