namespace PostTrain.Kube.Leader;

/// <summary>Options of leader election on a coordination.k8s.io/v1 Lease (client-go's defaults: 15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>The Lease name.</summary>
    public required string LeaseName { get; init; }

    /// <summary>The Lease namespace.</summary>
    public required string LeaseNamespace { get; init; }

    /// <summary>This candidate's identity (e.g. the pod name); must be unique among candidates.</summary>
    public required string Identity { get; init; }

    /// <summary>How long non-leaders wait after the last observed renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership (less than <see cref="LeaseDuration"/>).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether the leader clears the Lease on shutdown so a successor need not wait out the lease.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Checks the timing invariants that keep two leaders from overlapping.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LeaseName) || string.IsNullOrWhiteSpace(LeaseNamespace) || string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("leader election needs LeaseName, LeaseNamespace and Identity");
        }

        if (RetryPeriod <= TimeSpan.Zero || RenewDeadline <= RetryPeriod || LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"leader election needs 0 < RetryPeriod ({RetryPeriod}) < RenewDeadline ({RenewDeadline}) < LeaseDuration ({LeaseDuration})");
        }
    }
}
