namespace PostTrain.Trainer.Models;

/// <summary>A <c>config.json</c> that is missing, malformed, or describes a model this trainer cannot build.</summary>
public sealed class ModelConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public ModelConfigException()
    {
    }

    /// <summary>Creates the exception wrapping its cause.</summary>
    public ModelConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
