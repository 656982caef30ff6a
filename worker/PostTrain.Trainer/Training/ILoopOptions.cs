using PostTrain.Api.Model;

namespace PostTrain.Trainer.Training;

/// <summary>
/// What <see cref="TrainingLoop"/> reads of a trainer's options: the learning-rate schedule, the seed, and when to
/// resume and save. SFT's and RLVR's options implement it, so both loops resume, save and schedule alike.
/// </summary>
public interface ILoopOptions
{
    /// <summary>Peak learning rate.</summary>
    double LearningRate { get; }

    /// <summary>The learning-rate schedule after warmup.</summary>
    LrSchedule Schedule { get; }

    /// <summary>Linear warmup, in optimizer updates.</summary>
    long WarmupSteps { get; }

    /// <summary>Seed of the run (stored in each checkpoint).</summary>
    ulong Seed { get; }

    /// <summary>Continue from the newest complete checkpoint in the output directory when there is one.</summary>
    bool Resume { get; }

    /// <summary>Checkpoint every this many steps (and at the end); 0 only at the end.</summary>
    long SaveEverySteps { get; }
}
