using PostTrain.Api.Model;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Sft;

/// <summary>Hyperparameters of a supervised fine-tuning run (the worker maps an SftJob's spec onto these).</summary>
public sealed record SftOptions : ILoopOptions
{
    /// <summary>Optimizer steps; when 0, <see cref="Epochs"/> decides.</summary>
    public long MaxSteps { get; init; }

    /// <summary>Passes over the training set when <see cref="MaxSteps"/> is 0.</summary>
    public double Epochs { get; init; } = 1;

    /// <summary>Sequences per optimizer step (across all processes).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Sequences per forward/backward pass; gradients accumulate over BatchSize / MicroBatchSize passes.</summary>
    public int MicroBatchSize { get; init; } = 16;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Constant, linear or cosine (each with linear warmup).</summary>
    public LrSchedule Schedule { get; init; } = LrSchedule.Cosine;

    /// <summary>Warmup steps.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Decoupled weight decay of AdamW.</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Global gradient-norm clip; 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Sequences are cut to this many tokens.</summary>
    public int MaxSequenceLength { get; init; } = 512;

    /// <summary>Pack several sequences per row (block-diagonal attention) instead of padding each.</summary>
    public bool Packing { get; init; }

    /// <summary>Validation loss every this many steps (and at the end); 0 only at the end.</summary>
    public long EvalEverySteps { get; init; }

    /// <summary>Checkpoint every this many steps (and at the end); 0 only at the end.</summary>
    public long SaveEverySteps { get; init; }

    /// <summary>Seed of data order, initialisation and dropout.</summary>
    public ulong Seed { get; init; }

    /// <summary>Continue from the newest complete checkpoint in the output directory when there is one.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Optimizer steps the run takes for <paramref name="trainCount"/> training sequences.</summary>
    public long TotalSteps(int trainCount) =>
        MaxSteps > 0 ? MaxSteps : Math.Max(1, (long)Math.Ceiling(Epochs * trainCount / BatchSize));

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        if (BatchSize <= 0 || MicroBatchSize <= 0 || BatchSize % MicroBatchSize != 0)
        {
            throw new ArgumentException($"batchSize ({BatchSize}) must be a positive multiple of microBatchSize ({MicroBatchSize})");
        }

        TrainingLoop.Validate(this);
        if (MaxSteps < 0 || Epochs <= 0 || MaxSequenceLength < 2)
        {
            throw new ArgumentException("maxSteps must be >= 0, epochs > 0 and maxSequenceLength >= 2");
        }
    }
}
