namespace PostTrain.Trainer.Rl;

/// <summary>How an RLVR run ended.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="RewardMean">Mean reward of the last step's rollouts.</param>
/// <param name="CheckpointPath">The newest complete checkpoint.</param>
/// <param name="Preempted">True when cancellation (SIGTERM) stopped the run after a checkpoint.</param>
public sealed record RlvrResult(long Step, double RewardMean, string CheckpointPath, bool Preempted);
