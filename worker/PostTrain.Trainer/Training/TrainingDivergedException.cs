namespace PostTrain.Trainer.Training;

/// <summary>The loss became NaN or infinite; the run stops and keeps its last good checkpoint.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for <paramref name="step"/>.</summary>
    public TrainingDivergedException(long step, double loss)
        : base($"loss is {loss} at step {step}; stopping (the last good checkpoint is kept)")
    {
        Step = step;
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
}
