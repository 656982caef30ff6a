using System.Text.Json.Serialization;

namespace PostTrain.Api.Rlvr;

/// <summary>How a completion's advantage is computed from the rewards of its group.</summary>
public enum AdvantageEstimator
{
    /// <summary>GRPO: (r - group mean) / (group std + eps).</summary>
    [JsonStringEnumMemberName("grpo")]
    Grpo,

    /// <summary>GRPO without the std division: r - group mean.</summary>
    [JsonStringEnumMemberName("grpoNoStd")]
    GrpoNoStd,

    /// <summary>Dr. GRPO: r - group mean, with token-sum losses normalised by a constant (use lossAggregation seqMeanTokenSumNorm).</summary>
    [JsonStringEnumMemberName("drGrpo")]
    DrGrpo,

    /// <summary>RLOO: r - mean of the other completions of the group.</summary>
    [JsonStringEnumMemberName("rloo")]
    Rloo,
}
