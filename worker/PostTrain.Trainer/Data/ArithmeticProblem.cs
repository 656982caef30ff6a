namespace PostTrain.Trainer.Data;

/// <summary>One generated problem: its text, its worked solution and its answer.</summary>
/// <param name="Question">The word problem, e.g. "Tom has 3 apples. He buys 5 more. How many apples does Tom have now?".</param>
/// <param name="Solution">One equation a line, then <c>#### answer</c>, e.g. "3 + 5 = 8\n#### 8".</param>
/// <param name="Answer">The final answer.</param>
/// <param name="Signature">The arithmetic alone, e.g. "3+5": it decides the split and identifies duplicates.</param>
public sealed record ArithmeticProblem(string Question, string Solution, int Answer, string Signature);
