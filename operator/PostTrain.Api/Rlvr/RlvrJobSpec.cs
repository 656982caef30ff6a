using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>What an RlvrJob trains: a policy, on prompts with verifiable rewards, with a GRPO-family objective.</summary>
public sealed class RlvrJobSpec : JobSpecBase
{
    /// <summary>The policy's starting model (often fromJob: an SftJob). Immutable.</summary>
    [Required]
    [ValidationRule("self == oldSelf", Message = "model is immutable")]
    public ModelSpec Model { get; set; } = new();

    /// <summary>The frozen reference model of the KL penalty; unset: the same weights the policy starts from.</summary>
    [ValidationRule("self == oldSelf", Message = "referenceModel is immutable")]
    public ModelSpec? ReferenceModel { get; set; }

    /// <summary>How completions are sampled.</summary>
    public RolloutSpec Rollout { get; set; } = new();

    /// <summary>The policy-gradient objective.</summary>
    public AlgorithmSpec Algorithm { get; set; } = new();

    /// <summary>The rewards; a completion's reward is their weighted sum.</summary>
    [Required]
    [Items(MinItems = 1, MaxItems = 16)]
    [ValidationRule("self.exists(r, !has(r.gate) || !r.gate)", Message = "at least one reward must not be a gate")]
    public List<RewardSpec> Reward { get; set; } = [];

    /// <summary>Steps, learning rate and the other optimisation settings.</summary>
    public RlvrTrainingSpec Training { get; set; } = new();
}
