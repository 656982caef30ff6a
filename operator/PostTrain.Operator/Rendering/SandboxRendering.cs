using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Kube.Models;
using KubeEnvVar = PostTrain.Kube.Models.EnvVar;
using KubeObjectMeta = PostTrain.Kube.Models.ObjectMeta;

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
    public static IEnumerable<Volume> Volumes(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        yield return new Volume { Name = SocketVolume, EmptyDir = new JsonObject { ["sizeLimit"] = "1Mi" } };
        yield return new Volume { Name = ScratchVolume, EmptyDir = new JsonObject { ["sizeLimit"] = options.SandboxScratch } };
    }

    /// <summary>What the worker container gets: the socket folder and the variable naming the socket.</summary>
    public static (VolumeMount Mount, KubeEnvVar Variable) WorkerSide() =>
        (new VolumeMount { Name = SocketVolume, MountPath = ChildNames.SandboxSocketDirectory },
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
    public static Container Sidecar(PostTrainJob job, string image, WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        var (timeout, memory) = Ceiling(job);
        return new Container
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
            Resources = new ResourceRequirements
            {
                Requests = new() { ["cpu"] = options.SandboxCpu, ["memory"] = options.SandboxMemory },
                Limits = new() { ["memory"] = options.SandboxMemory },
            },
            VolumeMounts =
            [
                new VolumeMount { Name = SocketVolume, MountPath = ChildNames.SandboxSocketDirectory },
                new VolumeMount { Name = ScratchVolume, MountPath = "/tmp" },
            ],
            ExtensionData = new()
            {
                ["restartPolicy"] = Element(JsonValue.Create("Always")),
                ["startupProbe"] = Element(new JsonObject
                {
                    ["exec"] = new JsonObject { ["command"] = new JsonArray("test", "-S", ChildNames.SandboxSocket) },
                    ["periodSeconds"] = 1,
                    ["failureThreshold"] = 120,
                }),
                ["securityContext"] = Element(new JsonObject
                {
                    ["runAsUser"] = options.SandboxUid,
                    ["runAsGroup"] = options.SandboxUid,
                    ["runAsNonRoot"] = true,
                    ["readOnlyRootFilesystem"] = true,
                    ["allowPrivilegeEscalation"] = false,
                    ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                    ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
                }),
            },
        };
    }

    /// <summary>
    /// The NetworkPolicy of the job's pods: egress only to DNS, to the pods of the same job (multi-node training) and,
    /// when the job needs it (<see cref="NeedsInternet"/>), to public addresses outside <see cref="PrivateRanges"/>.
    /// Ingress is not restricted (the operator reads /status). NetworkPolicies add up: a policy of your own that
    /// selects the pods may allow more (say, an in-cluster verifier).
    /// </summary>
    public static NetworkPolicy Policy(PostTrainJob job, IReadOnlyDictionary<string, string> podLabels)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(podLabels);
        var name = job.Metadata.Name ?? throw new ArgumentException("the job has no name", nameof(job));
        JsonObject Selector() => new() { ["matchLabels"] = new JsonObject(podLabels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))) };
        var egress = new JsonArray
        {
            new JsonObject
            {
                ["ports"] = new JsonArray(
                    new JsonObject { ["protocol"] = "UDP", ["port"] = 53 },
                    new JsonObject { ["protocol"] = "TCP", ["port"] = 53 }),
            },
            new JsonObject { ["to"] = new JsonArray(new JsonObject { ["podSelector"] = Selector() }) },
        };
        if (NeedsInternet(job))
        {
            egress.Add(new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject
                {
                    ["ipBlock"] = new JsonObject { ["cidr"] = "0.0.0.0/0", ["except"] = new JsonArray([.. PrivateRanges.Select(r => (JsonNode)r)]) },
                }),
            });
        }

        return new NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new KubeObjectMeta { Name = ChildNames.NetworkPolicy(name, job.Kind), Namespace = job.Metadata.Namespace, Labels = new(podLabels) },
            Spec = new JsonObject
            {
                ["podSelector"] = Selector(),
                ["policyTypes"] = new JsonArray("Egress"),
                ["egress"] = egress,
            },
        };
    }

    private static JsonElement Element(JsonNode? node) => JsonSerializer.SerializeToElement(node, KubeJson.Options);
}
