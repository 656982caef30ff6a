namespace PostTrain.Worker.Running;

/// <summary>
/// Input the user must fix before the job can run (an output folder in use or holding checkpoints the spec may not
/// touch, checkpoints written under another spec): the worker exits 2 and the operator does not retry.
/// </summary>
public sealed class JobInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JobInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public JobInputException()
    {
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public JobInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
