namespace PostTrain.Trainer.Rewards.Sandbox;

/// <summary>
/// Code rewards cannot run here: no isolation is available and the job does not allow unisolated code, or the
/// isolation asked for is not available. The message says what was tried and why each failed.
/// </summary>
public sealed class SandboxUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SandboxUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public SandboxUnavailableException()
    {
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public SandboxUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
