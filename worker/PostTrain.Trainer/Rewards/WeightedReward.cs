namespace PostTrain.Trainer.Rewards;

/// <summary>One part of a <see cref="WeightedCompositeReward"/>.</summary>
/// <param name="Reward">The part.</param>
/// <param name="Weight">Its weight (may be negative, e.g. a penalty).</param>
/// <param name="Gate">A gate adds nothing itself: the composite scores 0 unless the gate scores 1 or more.</param>
public sealed record WeightedReward(IRewardFunction Reward, double Weight, bool Gate = false);
