namespace PostTrain.Trainer.Checkpoints;

/// <summary>A checkpoint that is missing, incomplete or does not match its configuration.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public CheckpointException()
    {
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public CheckpointException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
