namespace PostTrain.Kube.Config;

/// <summary>The client configuration is missing or wrong; the message says what and how to fix it.</summary>
public sealed class KubeConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KubeConfigException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
