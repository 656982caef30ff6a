namespace PostTrain.Trainer.Eval;

/// <summary>One evaluated item.</summary>
/// <param name="Id">The example id.</param>
/// <param name="Prompt">The question.</param>
/// <param name="GreedyAnswer">The greedy response.</param>
/// <param name="GreedyCorrect">Whether it was judged correct.</param>
/// <param name="SamplesCorrect">Correct samples out of <see cref="EvalOptions.Samples"/>.</param>
public sealed record EvalItem(string Id, string Prompt, string GreedyAnswer, bool GreedyCorrect, int SamplesCorrect);
