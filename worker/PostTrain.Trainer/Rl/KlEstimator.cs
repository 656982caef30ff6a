namespace PostTrain.Trainer.Rl;

/// <summary>Per-token estimators of KL(π ‖ π_ref) from log-probabilities of sampled tokens (Schulman's k1, k2, k3).</summary>
public enum KlEstimator
{
    /// <summary>k1 = log π − log π_ref (unbiased, high variance, can be negative).</summary>
    K1,

    /// <summary>k2 = ½ (log π − log π_ref)² (biased, low variance).</summary>
    K2,

    /// <summary>k3 = exp(log π_ref − log π) − (log π_ref − log π) − 1 (unbiased, non-negative; GRPO's choice).</summary>
    K3,
}
