namespace PostTrain.Torch;

/// <summary>An error raised by libtorch, carrying libtorch's own message.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public TorchException()
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public TorchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
