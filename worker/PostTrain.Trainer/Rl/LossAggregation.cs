namespace PostTrain.Trainer.Rl;

/// <summary>How per-token losses [batch, seq] under a response mask become one scalar.</summary>
public enum LossAggregation
{
    /// <summary>Sum over all response tokens / number of response tokens (DAPO's token-level loss).</summary>
    TokenMean,

    /// <summary>Mean over sequences of each sequence's token sum.</summary>
    SeqMeanTokenSum,

    /// <summary>Mean over sequences of each sequence's token mean (the original GRPO).</summary>
    SeqMeanTokenMean,

    /// <summary>Mean over sequences of each sequence's token sum divided by a constant (the response budget): Dr. GRPO's form, free of length normalisation.</summary>
    SeqMeanTokenSumNorm,
}
