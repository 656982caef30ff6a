namespace PostTrain.Trainer.Rewards;

/// <summary>One part of a <see cref="WeightedCompositeReward"/>.</summary>
/// <param name="Reward">The part.</param>
/// <param name="Weight">Its weight (may be negative, e.g. a penalty).</param>
public sealed record WeightedReward(IRewardFunction Reward, double Weight);
