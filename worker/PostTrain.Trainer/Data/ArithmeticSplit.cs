namespace PostTrain.Trainer.Data;

/// <summary>
/// The disjoint parts of the builtin arithmetic dataset. A problem's part is fixed by a hash of its arithmetic (start value,
/// operations, operands), never by the seed, so no problem of one part ever appears in another, for any seed or options.
/// </summary>
public enum ArithmeticSplit
{
    /// <summary>Questions with worked solutions ending in <c>#### answer</c>, for SFT (about 15% of all problems).</summary>
    Sft,

    /// <summary>Questions with only the final answer, for RLVR (about 70% of all problems).</summary>
    Rl,

    /// <summary>Held-out questions with the final answer, for evaluation (about 15% of all problems).</summary>
    Test,
}
