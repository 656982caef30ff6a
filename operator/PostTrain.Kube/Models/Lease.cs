using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>coordination.k8s.io/v1 Lease, the lock of leader election.</summary>
[KubernetesEntity(Group = "coordination.k8s.io", ApiVersion = "v1", Kind = "Lease", PluralName = "leases")]
public sealed class Lease : KubernetesObject
{
    /// <summary>The lease.</summary>
    public LeaseSpec Spec { get; set; } = new();
}

/// <summary>coordination.k8s.io/v1 LeaseSpec.</summary>
public sealed class LeaseSpec
{
    /// <summary>Who holds the lease ("" or null when released).</summary>
    public string? HolderIdentity { get; set; }

    /// <summary>How long a holder's claim lasts after its last renewal.</summary>
    public int? LeaseDurationSeconds { get; set; }

    /// <summary>When the current holder acquired it.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>When the current holder last renewed it.</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>How many times the lease changed hands.</summary>
    public int? LeaseTransitions { get; set; }
}
