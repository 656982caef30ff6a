using System.Globalization;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using KubeEnvVar = k8s.Models.V1EnvVar;
using KubeObjectMeta = k8s.Models.V1ObjectMeta;

namespace PostTrain.Operator.Rendering;

/// <summary>
/// What the pod of a job whose rewards run model-written code gets (docs/data-and-rewards.md, "The code sandbox"):
/// a sandbox sidecar (<c>posttrain-worker sandbox-server</c>) that runs the code as its own uid, with a read-only root
/// file system, no secrets, no service-account token and no volume of the worker's but a socket folder and a
/// size-capped scratch; the worker reaches it over a Unix socket in a shared emptyDir. The sidecar is a native sidecar
/// (an init container with restartPolicy Always), so the pod completes when the worker does. A NetworkPolicy limits
/// the pod's egress, since the two containers share one network namespace.
/// </summary>
public static class SandboxRendering
{
    /// <summary>The environment variable that tells the worker where the sandbox server listens.</summary>
    public const string SocketVariable = "POSTTRAIN_SANDBOX_SOCKET";

    /// <summary>The sidecar's private scratch (its /tmp): the only folder it may write besides the socket folder.</summary>
    public const string ScratchVolume = "sandbox-tmp";

    /// <summary>The shared emptyDir with the socket.</summary>
    public const string SocketVolume = "sandbox-socket";

    /// <summary>
    /// Address ranges the pod may not reach even when it needs the internet: private networks (the cluster's pods,
    /// services and API server in most clusters), carrier-grade NAT and link-local (cloud metadata endpoints).
    /// </summary>
    public static readonly IReadOnlyList<string> PrivateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

    /// <summary>
    /// Whether the job's rewards may run model-written code: an RlvrJob with a code reward, an EvalJob on MBPP, or on
    /// Parquet (whose records may be MBPP items: only the worker sees them, so the pod is ready for code).
    /// </summary>
    public static bool RunsCode(PostTrainJob job) => job switch
    {
        RlvrJob rlvr => rlvr.Spec.Reward.Any(r => r.Type == Api.Rlvr.RewardType.Code),
        EvalJob eval => eval.Spec.Dataset.Format is DatasetFormat.Mbpp or DatasetFormat.Parquet,
        _ => false,
    };

    /// <summary>Whether the worker needs the internet: a Hugging Face source, or an http reward (its endpoint may be anywhere).</summary>
    public static bool NeedsInternet(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var sources = WorkloadRenderer.Models(job).Select(m => m.Source).Append(job.CommonSpec.Dataset.Source);
        var hub = sources.Any(s => SourceUri.TryParse(s, out var parsed, out _) && parsed.Kind == SourceKind.HuggingFace);
        return hub || (job is RlvrJob rlvr && rlvr.Spec.Reward.Any(r => r.Type == Api.Rlvr.RewardType.Http));
    }

    /// <summary>The volumes the sidecar adds to the pod.</summary>
    public static IEnumerable<V1Volume> Volumes(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        yield return new V1Volume { Name = SocketVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Mi") } };
        yield return new V1Volume { Name = ScratchVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity(options.SandboxScratch) } };
    }

    /// <summary>What the worker container gets: the socket folder and the variable naming the socket.</summary>
    public static (V1VolumeMount Mount, KubeEnvVar Variable) WorkerSide() =>
        (new V1VolumeMount { Name = SocketVolume, MountPath = ChildNames.SandboxSocketDirectory },
         new KubeEnvVar { Name = SocketVariable, Value = ChildNames.SandboxSocket });

    /// <summary>
    /// The highest time and memory a run of the job's code rewards asks for (the sidecar refuses more): an EvalJob on
    /// MBPP uses the code reward's defaults.
    /// </summary>
    public static (int TimeoutSeconds, int MemoryMb) Ceiling(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var code = job is RlvrJob rlvr ? rlvr.Spec.Reward.Where(r => r.Type == Api.Rlvr.RewardType.Code).ToList() : [];
        var defaults = new Api.Rlvr.RewardSpec { Type = Api.Rlvr.RewardType.Code };
        return code.Count == 0
            ? (defaults.EffectiveTimeoutSeconds, Math.Max(defaults.EffectiveMemoryMb, 1024))
            : (code.Max(r => r.EffectiveTimeoutSeconds), code.Max(r => r.EffectiveMemoryMb));
    }

    /// <summary>The sidecar for <paramref name="job"/>, a native sidecar (init container that keeps running) in <paramref name="image"/>.</summary>
    public static V1Container Sidecar(PostTrainJob job, string image, WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var (timeout, memory) = Ceiling(job);
        return new V1Container
        {
            Name = ChildNames.SandboxContainer,
            Image = image,
            Command =
            [
                "posttrain-worker", "sandbox-server", "--socket", ChildNames.SandboxSocket,
                "--max-timeout-seconds", timeout.ToString(CultureInfo.InvariantCulture), "--max-memory-mb", memory.ToString(CultureInfo.InvariantCulture),
            ],
            // Nothing of the job's environment: no HF_TOKEN, no user env, no secret reference.
            Env =
            [
                new KubeEnvVar { Name = "TMPDIR", Value = "/tmp" },
                new KubeEnvVar { Name = "HOME", Value = "/tmp" },
                new KubeEnvVar { Name = "DOTNET_EnableDiagnostics", Value = "0" },
            ],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(options.SandboxCpu), ["memory"] = new(options.SandboxMemory) },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(options.SandboxMemory) },
            },
            VolumeMounts =
            [
                new V1VolumeMount { Name = SocketVolume, MountPath = ChildNames.SandboxSocketDirectory },
                new V1VolumeMount { Name = ScratchVolume, MountPath = "/tmp" },
            ],
            RestartPolicy = "Always",
            StartupProbe = new V1Probe
            {
                Exec = new V1ExecAction { Command = ["test", "-S", ChildNames.SandboxSocket] },
                PeriodSeconds = 1,
                FailureThreshold = 120,
            },
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = options.SandboxUid,
                RunAsGroup = options.SandboxUid,
                RunAsNonRoot = true,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    /// <summary>
    /// The NetworkPolicy of the job's pods: egress only to DNS, to the pods of the same job (multi-node training) and,
    /// when the job needs it (<see cref="NeedsInternet"/>), to public addresses outside <see cref="PrivateRanges"/>.
    /// Ingress is not restricted (the operator reads /status). NetworkPolicies add up: a policy of your own that
    /// selects the pods may allow more (say, an in-cluster verifier).
    /// </summary>
    public static V1NetworkPolicy Policy(PostTrainJob job, IReadOnlyDictionary<string, string> podLabels)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(podLabels);
        var name = job.Metadata.Name ?? throw new ArgumentException("the job has no name", nameof(job));
        V1LabelSelector Selector() => new() { MatchLabels = new Dictionary<string, string>(podLabels) };
        var egress = new List<V1NetworkPolicyEgressRule>
        {
            new() { Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 }] },
            new() { To = [new V1NetworkPolicyPeer { PodSelector = Selector() }] },
        };
        if (NeedsInternet(job))
        {
            egress.Add(new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "0.0.0.0/0", Except = [.. PrivateRanges] } }],
            });
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new KubeObjectMeta { Name = ChildNames.NetworkPolicy(name, job.Kind), NamespaceProperty = job.Metadata.Namespace, Labels = new Dictionary<string, string>(podLabels) },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = Selector(),
                PolicyTypes = ["Egress"],
                Egress = egress,
            },
        };
    }
}
