namespace PostTrain.Trainer.Training;

/// <summary>
/// A training step needed more memory than its device has. The message names the micro-batch size and sequence length
/// that did not fit, what to change, and the newest checkpoint, which is kept.
/// </summary>
public sealed class TrainingOutOfMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingOutOfMemoryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping libtorch's allocation failure.</summary>
    public TrainingOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
