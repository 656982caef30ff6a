using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Rl;

/// <summary>Hyperparameters of an RLVR (GRPO-family) run; the worker maps an RlvrJob's spec onto these.</summary>
public sealed record RlvrOptions : ILoopOptions
{
    /// <summary>Optimizer rounds (each: rollouts, rewards, then PPO epochs over them).</summary>
    public long Steps { get; init; } = 100;

    /// <summary>Prompts per step.</summary>
    public int PromptsPerStep { get; init; } = 8;

    /// <summary>Samples per prompt (the group whose rewards are compared).</summary>
    public int GroupSize { get; init; } = 8;

    /// <summary>Sampling temperature of rollouts (log-probabilities are taken under it too).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass of rollouts.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Top-k of rollouts (0: off).</summary>
    public int TopK { get; init; }

    /// <summary>Most response tokens.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Strings that end a response.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>How rewards become advantages.</summary>
    public AdvantageEstimator Advantage { get; init; } = AdvantageEstimator.Grpo;

    /// <summary>Weight of negative advantages, in [0, 1] (see <see cref="Advantages.ScaleNegatives"/>).</summary>
    public double NegativeAdvantageScale { get; init; } = 1.0;

    /// <summary>Lower clip range ε_low of the PPO ratio.</summary>
    public double ClipLow { get; init; } = 0.2;

    /// <summary>Upper clip range ε_high (clip-higher when above ε_low).</summary>
    public double ClipHigh { get; init; } = 0.28;

    /// <summary>Dual-clip constant c &gt; 1, or null for none.</summary>
    public double? DualClip { get; init; }

    /// <summary>Weight of the KL penalty to the reference model in the loss (0: no reference needed).</summary>
    public double KlCoefficient { get; init; }

    /// <summary>KL estimator.</summary>
    public KlEstimator KlEstimator { get; init; } = KlEstimator.K3;

    /// <summary>Weight of the entropy bonus (subtracted from the loss).</summary>
    public double EntropyCoefficient { get; init; }

    /// <summary>How per-token losses are reduced.</summary>
    public LossAggregation Aggregation { get; init; } = LossAggregation.TokenMean;

    /// <summary>Passes over each step's rollouts.</summary>
    public int PpoEpochs { get; init; } = 1;

    /// <summary>Optimizer updates per epoch (the rollouts are split into this many mini-batches).</summary>
    public int MiniBatches { get; init; } = 1;

    /// <summary>Sequences per forward pass when scoring and updating.</summary>
    public int MicroBatchSize { get; init; } = 16;

    /// <summary>Drop groups whose rewards are all equal and draw more prompts in their place.</summary>
    public bool DynamicSampling { get; init; }

    /// <summary>Most extra rollout rounds per step when dynamic sampling refills.</summary>
    public int MaxRefills { get; init; } = 2;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-5;

    /// <summary>Constant, linear or cosine, with warmup (counted in optimizer updates).</summary>
    public LrSchedule Schedule { get; init; } = LrSchedule.Constant;

    /// <summary>Warmup updates.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Global gradient-norm clip (0: off).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed of prompt order and sampling.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Greedy-decode the validation prompts and report <c>val_accuracy</c> (the fraction whose completion earns the full
    /// reward, 1 or more) before the first step and every this many steps (and at the end); 0 disables.
    /// </summary>
    public long EvalEverySteps { get; init; }

    /// <summary>Checkpoint every this many steps (and at the end).</summary>
    public long SaveEverySteps { get; init; }

    /// <summary>Continue from the newest complete checkpoint when there is one.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        TrainingLoop.Validate(this);
        if (NegativeAdvantageScale is < 0 or > 1 || double.IsNaN(NegativeAdvantageScale))
        {
            throw new ArgumentException($"negativeAdvantageScale must be in [0, 1] (got {NegativeAdvantageScale})");
        }

        if (EvalEverySteps < 0)
        {
            throw new ArgumentException($"evalEverySteps must be >= 0 (got {EvalEverySteps})");
        }

        if (Steps <= 0 || PromptsPerStep <= 0 || GroupSize <= 0 || MaxNewTokens <= 0 || PpoEpochs <= 0 || MiniBatches <= 0 || MicroBatchSize <= 0)
        {
            throw new ArgumentException("steps, promptsPerStep, groupSize, maxNewTokens, ppoEpochs, miniBatches and microBatchSize must be > 0");
        }

        if (ClipLow is <= 0 or >= 1 || ClipHigh <= 0)
        {
            throw new ArgumentException($"clip ranges must satisfy 0 < low < 1 and high > 0 (got {ClipLow}, {ClipHigh})");
        }

        if (KlCoefficient < 0 || Temperature <= 0)
        {
            throw new ArgumentException("temperature must be > 0 and the KL coefficient >= 0");
        }
    }
}
