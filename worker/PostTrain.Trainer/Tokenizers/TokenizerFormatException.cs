namespace PostTrain.Trainer.Tokenizers;

/// <summary>A tokenizer file is malformed or uses a feature this implementation does not support. The message names the file and the field.</summary>
public sealed class TokenizerFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TokenizerFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TokenizerFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TokenizerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
