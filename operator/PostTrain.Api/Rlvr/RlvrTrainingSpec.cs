using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>The optimisation settings of an RLVR run.</summary>
[ValidationRule("!(has(self.warmupSteps) && has(self.warmupRatio))", Message = "set at most one of warmupSteps and warmupRatio")]
public sealed class RlvrTrainingSpec
{
    /// <summary>RL steps (each samples a batch of rollouts and makes ppoEpochs x miniBatches optimizer steps).</summary>
    [RangeMinimum(1)]
    public int Steps { get; set; } = 100;

    /// <summary>The peak learning rate of AdamW.</summary>
    [RangeMinimum(0, ExclusiveMinimum = true)]
    [RangeMaximum(1)]
    public double LearningRate { get; set; } = 1e-6;

    /// <summary>The learning-rate schedule after warmup: constant, linear or cosine.</summary>
    public LrSchedule Schedule { get; set; } = LrSchedule.Constant;

    /// <summary>Steps of linear warmup; exclusive with warmupRatio.</summary>
    [RangeMinimum(0)]
    public int? WarmupSteps { get; set; }

    /// <summary>Warmup as a fraction of all steps; exclusive with warmupSteps. Neither set: no warmup.</summary>
    [RangeMinimum(0)]
    [RangeMaximum(1)]
    public double? WarmupRatio { get; set; }

    /// <summary>AdamW decoupled weight decay.</summary>
    [RangeMinimum(0)]
    public double WeightDecay { get; set; }

    /// <summary>Clip the global gradient norm to this value; 0 disables clipping.</summary>
    [RangeMinimum(0)]
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Sequences per forward/backward pass on one device; unset: a whole mini-batch.</summary>
    [RangeMinimum(1)]
    public int? MicroBatchSize { get; set; }

    /// <summary>Evaluate on the dataset's held-out prompts every this many steps; 0 disables.</summary>
    [RangeMinimum(0)]
    public int EvalEverySteps { get; set; }

    /// <summary>Publish metrics every this many steps.</summary>
    [RangeMinimum(1)]
    public int LogEverySteps { get; set; } = 1;

    /// <summary>
    /// Training precision. bf16: matrix products and attention in bfloat16 (autocast) with float32 master weights,
    /// gradients and AdamW state; fp32: float32 throughout. fp16 is not offered (it needs a loss scaler; bf16 does not).
    /// </summary>
    public Precision Precision { get; set; } = Precision.Bf16;

    /// <summary>
    /// Recompute each decoder layer's activations during backward instead of keeping them (activation checkpointing):
    /// activation memory drops to about one layer's worth, for roughly a third more compute. Gradients are unchanged.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Train LoRA adapters instead of all weights; unset trains all weights.</summary>
    public LoraSpec? Lora { get; set; }
}
