using System.Text.Json.Serialization;

namespace PostTrain.Api.Rlvr;

/// <summary>Schulman's estimators of KL(policy || reference) from samples of the policy.</summary>
public enum KlEstimator
{
    /// <summary>k1 = log(p/q): unbiased, high variance, can be negative.</summary>
    [JsonStringEnumMemberName("k1")]
    K1,

    /// <summary>k2 = (log(p/q))^2 / 2: biased, low variance.</summary>
    [JsonStringEnumMemberName("k2")]
    K2,

    /// <summary>k3 = q/p - 1 - log(q/p): unbiased, low variance, non-negative (GRPO's choice).</summary>
    [JsonStringEnumMemberName("k3")]
    K3,
}
