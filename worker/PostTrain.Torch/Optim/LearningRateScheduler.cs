namespace PostTrain.Torch.Optim;

/// <summary>Sets an optimiser's learning rate from a schedule: call <see cref="Step"/> after each optimiser step.</summary>
public sealed class LearningRateScheduler
{
    private readonly AdamW optimizer;
    private readonly LearningRateSchedule schedule;

    /// <summary>Starts at step 0, setting the optimiser's rate to base · factor(0).</summary>
    public LearningRateScheduler(AdamW optimizer, LearningRateSchedule schedule, double baseLearningRate)
    {
        this.optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        this.schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        BaseLearningRate = baseLearningRate;
        Apply();
    }

    /// <summary>The peak rate the schedule scales.</summary>
    public double BaseLearningRate { get; }

    /// <summary>The scheduler's step counter.</summary>
    public long CurrentStep { get; private set; }

    /// <summary>Advances one step and updates the optimiser's rate.</summary>
    public void Step()
    {
        CurrentStep++;
        Apply();
    }

    /// <summary>Jumps to a step (for resuming).</summary>
    public void SetStep(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        CurrentStep = step;
        Apply();
    }

    private void Apply() => optimizer.LearningRate = BaseLearningRate * schedule.Factor(CurrentStep);
}
