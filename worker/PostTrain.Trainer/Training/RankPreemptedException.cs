namespace PostTrain.Trainer.Training;

/// <summary>
/// Another rank of a data-parallel job was preempted (SIGTERM), so this one stops too, at the same point, without a
/// cancellation of its own.
/// </summary>
public sealed class RankPreemptedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    public RankPreemptedException()
        : base("another rank of the job was preempted")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RankPreemptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public RankPreemptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
