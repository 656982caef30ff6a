namespace PostTrain.Trainer.Training;

/// <summary>The loss or the weights became NaN or infinite; the run stops and keeps its newest checkpoint, which has finite weights.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>
    /// Creates the exception for <paramref name="step"/>: <paramref name="what"/> went wrong; <paramref name="keptCheckpoint"/>
    /// is the newest checkpoint, whose weights were checked finite when it was saved (null: none was saved yet).
    /// </summary>
    public TrainingDivergedException(long step, string what, string? keptCheckpoint)
        : base(keptCheckpoint is null
            ? $"{what}; stopping (no checkpoint was saved yet)"
            : $"{what}; stopping. The newest checkpoint, {Path.GetFileName(keptCheckpoint.TrimEnd(Path.DirectorySeparatorChar))} (step {CheckpointManager.StepOf(keptCheckpoint)}), has finite weights and is kept")
    {
        Step = step;
        KeptCheckpoint = keptCheckpoint;
    }

    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception for <paramref name="step"/> with a message.</summary>
    public TrainingDivergedException(long step, string message)
        : base(message)
    {
        Step = step;
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The step whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>The newest checkpoint, kept (finite weights); null when none was saved.</summary>
    public string? KeptCheckpoint { get; }
}
