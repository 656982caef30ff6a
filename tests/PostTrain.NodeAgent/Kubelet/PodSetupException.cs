namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Why a pod's containers cannot start (yet). A retryable failure (a missing ConfigMap, Secret or claim, a peer
/// without an address) leaves the containers waiting with <see cref="Reason"/> and is tried again; a permanent one
/// (an unmapped image, an unsupported volume, a missing executable) fails the pod at once.
/// </summary>
internal sealed class PodSetupException : Exception
{
    private PodSetupException(string reason, string message, bool retryable)
        : base(message)
    {
        Reason = reason;
        Retryable = retryable;
    }

    /// <summary>The container waiting or terminated reason (ContainerCreating, CreateContainerConfigError, ErrImagePull, ...).</summary>
    public string Reason { get; }

    /// <summary>Whether trying again later may succeed.</summary>
    public bool Retryable { get; }

    /// <summary>A failure that may go away (the containers keep waiting).</summary>
    public static PodSetupException Retry(string reason, string message) => new(reason, message, retryable: true);

    /// <summary>A failure that will not go away (the pod fails).</summary>
    public static PodSetupException Fail(string reason, string message) => new(reason, message, retryable: false);
}
