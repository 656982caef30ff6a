using Microsoft.Extensions.Logging;

namespace PostTrain.NodeAgent;

/// <summary>How a <see cref="NodeAgent"/> connects, where it keeps its pods, and how it maps images to host commands.</summary>
public sealed record NodeAgentOptions
{
    /// <summary>The API server's address (no credentials: the test API server). Ignored when <see cref="Kubernetes"/> is set.</summary>
    public Uri? Server { get; init; }

    /// <summary>A full client configuration (e.g. from a kubeconfig); wins over <see cref="Server"/>.</summary>
    public k8s.KubernetesClientConfiguration? Kubernetes { get; init; }

    /// <summary>The Node's name (an RFC 1123 subdomain).</summary>
    public string NodeName { get; init; } = "local";

    /// <summary>Where pod folders (volumes, logs, termination messages) and PersistentVolumeClaim folders live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Images mapped to host commands, consulted in order before the built-in mapping of any image whose repository
    /// ends in <c>posttrain-worker</c> (see <see cref="WorkerDll"/>).
    /// </summary>
    public IReadOnlyList<ImageMapping> Images { get; init; } = [];

    /// <summary>
    /// The worker that <c>posttrain-worker</c> images run (<c>dotnet WORKER_DLL</c>); null: the repository's own build,
    /// <c>worker/PostTrain.Worker/bin/{Release|Debug}/net10.0/posttrain-worker.dll</c> above the agent's binaries.
    /// </summary>
    public string? WorkerDll { get; init; }

    /// <summary>
    /// Run the commands of images no mapping names directly on the host (for tests: <c>sh -c ...</c>). Off by default:
    /// such a pod fails at once with reason ErrImagePull and a message naming the image.
    /// </summary>
    public bool RunUnmappedImages { get; init; }

    /// <summary>Port of the agent's kubelet endpoint (container logs) on 127.0.0.1; 0 picks a free one.</summary>
    public int KubeletPort { get; init; }

    /// <summary>The loopback range pod IPs come from (reported as the Node's podCIDR); the first pod gets .2.</summary>
    public string PodCidr { get; init; } = "127.0.0.0/16";

    /// <summary>Labels added to the Node (besides kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch).</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>How often the Node's Ready condition is re-posted (kubelet's nodeStatusUpdateFrequency); null posts it once.</summary>
    public TimeSpan? NodeStatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether this agent also runs the cluster-wide parts: the scheduler, the Job, TTL-after-finished and
    /// PersistentVolume controllers. Exactly one agent per API server should.
    /// </summary>
    public bool ControlPlane { get; init; } = true;

    /// <summary>First delay before a Job replaces a failed pod; doubles per failure since the last success (kube: 10 s).</summary>
    public TimeSpan JobBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest Job backoff (kube: 6 minutes).</summary>
    public TimeSpan JobMaxBackoff { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>First delay before a container of an OnFailure/Always pod restarts; doubles per restart (kube: 10 s).</summary>
    public TimeSpan ContainerRestartBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest container restart backoff (kube: 5 minutes).</summary>
    public TimeSpan ContainerMaxRestartBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a container whose environment or arguments name a peer pod's DNS name waits for that pod's IP.</summary>
    public TimeSpan PeerAddressTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a pod whose ConfigMap, Secret or peer is missing is tried again.</summary>
    public TimeSpan ConfigRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>On agent shutdown, the longest a pod gets between SIGTERM and SIGKILL (its own grace period if shorter).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
