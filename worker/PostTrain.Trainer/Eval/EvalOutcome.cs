namespace PostTrain.Trainer.Eval;

/// <summary>The figures of one model on one dataset.</summary>
/// <param name="Accuracy">Fraction of greedy answers judged correct.</param>
/// <param name="PassAtK">Unbiased pass@k per k.</param>
/// <param name="Items">Per-item outcomes.</param>
public sealed record EvalOutcome(double Accuracy, IReadOnlyDictionary<int, double> PassAtK, IReadOnlyList<EvalItem> Items);
