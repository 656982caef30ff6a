namespace PostTrain.Trainer.Training;

/// <summary>How <see cref="TrainingLoop.RunAsync"/> ended.</summary>
/// <param name="Step">Optimizer steps completed (of the trainer's own kind: SFT steps, RLVR rollout steps).</param>
/// <param name="Checkpoint">The checkpoint that holds that step.</param>
/// <param name="Preempted">True when cancellation stopped the run early (after saving <paramref name="Checkpoint"/>).</param>
public sealed record TrainingLoopResult(long Step, string Checkpoint, bool Preempted);
