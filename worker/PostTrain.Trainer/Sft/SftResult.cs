namespace PostTrain.Trainer.Sft;

/// <summary>How an SFT run ended.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="TrainLoss">Loss of the last step.</param>
/// <param name="ValidationLoss">Validation loss at the end, if there was a validation set.</param>
/// <param name="CheckpointPath">The newest complete checkpoint.</param>
/// <param name="Preempted">True when the run stopped early on cancellation (SIGTERM) after saving a checkpoint.</param>
public sealed record SftResult(long Step, double TrainLoss, double? ValidationLoss, string CheckpointPath, bool Preempted);
