namespace PostTrain.NodeAgent.Kubelet;

/// <summary>What is known of a pod named by its DNS name (<c>HOSTNAME.SUBDOMAIN</c>): whether it exists, and its IP.</summary>
/// <param name="Exists">Whether a running (or starting) pod has that hostname and subdomain.</param>
/// <param name="Address">Its IP, once it has one.</param>
internal readonly record struct PeerAddress(bool Exists, string? Address)
{
    /// <summary>No such pod.</summary>
    public static PeerAddress None { get; } = new(false, null);
}
