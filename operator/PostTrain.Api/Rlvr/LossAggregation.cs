using System.Text.Json.Serialization;

namespace PostTrain.Api.Rlvr;

/// <summary>How per-token losses are reduced to the batch loss.</summary>
public enum LossAggregation
{
    /// <summary>Mean over all tokens of the batch (DAPO).</summary>
    [JsonStringEnumMemberName("tokenMean")]
    TokenMean,

    /// <summary>Sum over each sequence's tokens, mean over sequences.</summary>
    [JsonStringEnumMemberName("seqMeanTokenSum")]
    SeqMeanTokenSum,

    /// <summary>Mean over each sequence's tokens, mean over sequences (the original GRPO).</summary>
    [JsonStringEnumMemberName("seqMeanTokenMean")]
    SeqMeanTokenMean,

    /// <summary>Sum over each sequence's tokens divided by maxNewTokens, mean over sequences (Dr. GRPO).</summary>
    [JsonStringEnumMemberName("seqMeanTokenSumNorm")]
    SeqMeanTokenSumNorm,
}
