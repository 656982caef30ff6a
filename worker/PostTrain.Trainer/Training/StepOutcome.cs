namespace PostTrain.Trainer.Training;

/// <summary>What one step of a trainer hands back to <see cref="TrainingLoop"/>.</summary>
/// <param name="Loss">The step's loss, checked for divergence; null when the step made no update (nothing to check).</param>
/// <param name="Metrics">The step's figures, passed to <see cref="ITrainingObserver.OnStep"/>.</param>
public sealed record StepOutcome(double? Loss, IReadOnlyDictionary<string, double> Metrics);
