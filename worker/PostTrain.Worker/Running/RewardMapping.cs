using PostTrain.Trainer.Rewards;
using ApiReward = PostTrain.Api.Rlvr.RewardSpec;
using ApiRewardType = PostTrain.Api.Rlvr.RewardType;
using TrainerReward = PostTrain.Trainer.Rewards.RewardSpec;

namespace PostTrain.Worker.Running;

/// <summary>Maps an RlvrJob's reward list onto the trainer's reward functions (a weighted composite when there are several).</summary>
public static class RewardMapping
{
    /// <summary>The trainer's description of the job's rewards.</summary>
    public static TrainerReward ToTrainer(IReadOnlyList<ApiReward> rewards)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        if (rewards.Count == 0)
        {
            throw new InvalidDataException("spec.reward: at least one reward is required");
        }

        var parts = rewards.Select(One).ToList();
        return parts.Count == 1 && rewards[0].Weight == 1.0 && !rewards[0].Gate
            ? parts[0]
            : new TrainerReward { Kind = "composite", Name = "reward", Parts = parts };
    }

    /// <summary>Builds the verifier, wrapped so that a throwing reward scores 0 with a counted warning.</summary>
    public static SafeReward Create(IReadOnlyList<ApiReward> rewards, HttpClient http, Action<string> warn) =>
        Create(rewards, Factory(http), warn);

    /// <summary>Builds the verifier with <paramref name="factory"/> (whose <see cref="RewardFactory.CodeSandboxes"/> then lists the code rewards' sandboxes).</summary>
    /// <exception cref="PostTrain.Trainer.Rewards.Sandbox.SandboxUnavailableException">A code reward cannot run on this machine; the message says why.</exception>
    public static SafeReward Create(IReadOnlyList<ApiReward> rewards, RewardFactory factory, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(factory.Create(ToTrainer(rewards), "spec.reward"), warn);
    }

    /// <summary>The worker's reward factory: code rewards run where <see cref="CodeSandboxes"/> says.</summary>
    public static RewardFactory Factory(HttpClient http) => new(http, sandboxes: CodeSandboxes.Create);

    private static TrainerReward One(ApiReward r) => new()
    {
        Kind = r.Type switch
        {
            ApiRewardType.Math => "math",
            ApiRewardType.Code => "code",
            ApiRewardType.Regex => "regex",
            ApiRewardType.Http => "http",
            ApiRewardType.Equations => "equations",
            _ => throw new InvalidDataException($"spec.reward: unknown type {r.Type}"),
        },
        Name = r.EffectiveName,
        Weight = r.Weight,
        Gate = r.Gate,
        Grounded = r.Grounded ?? false,
        Extraction = r.EffectiveMode == PostTrain.Api.Rlvr.MathMode.Strict ? AnswerExtractionMode.Strict : AnswerExtractionMode.StrictThenFlexible,
        Pattern = r.Pattern,
        Url = r.Url,
        Timeout = r.Type is ApiRewardType.Code or ApiRewardType.Http ? TimeSpan.FromSeconds(r.EffectiveTimeoutSeconds) : null,
        MaxAttempts = r.Type == ApiRewardType.Http ? r.EffectiveRetries + 1 : null,
        MemoryBytes = r.Type == ApiRewardType.Code ? (long)r.EffectiveMemoryMb << 20 : null,
        AllowUnisolatedCode = r.AllowUnisolatedCode ?? false,
    };
}
