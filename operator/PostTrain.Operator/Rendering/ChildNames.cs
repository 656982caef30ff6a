using System.Security.Cryptography;
using System.Text;

namespace PostTrain.Operator.Rendering;

/// <summary>
/// Deterministic names and labels of a job's children, so a restarted operator finds what it created. Every name
/// carries the job's kind (<c>x-sft</c>, <c>x-sft-config</c>, <c>x-eval</c>, ...), so an SftJob and an EvalJob of the
/// same name in one namespace never share a child. Names that would be too long are cut and end in a hash of the
/// whole name, so they stay unique and stable across restarts.
/// </summary>
public static class ChildNames
{
    /// <summary>Label on every child: the owning job's kind.</summary>
    public const string KindLabel = "posttrain.dev/kind";

    /// <summary>Label on every child: the owning job's name.</summary>
    public const string JobLabel = "posttrain.dev/job";

    /// <summary>The Kueue LocalQueue label put on the batch Job.</summary>
    public const string QueueLabel = "kueue.x-k8s.io/queue-name";

    /// <summary>The annotation the Job controller sets on pods of Indexed Jobs.</summary>
    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

    /// <summary>The worker container's name.</summary>
    public const string WorkerContainer = "worker";

    /// <summary>The sandbox sidecar's container: it runs the code of code rewards (<see cref="SandboxRendering"/>).</summary>
    public const string SandboxContainer = "sandbox";

    /// <summary>The shared emptyDir that holds the sandbox server's Unix socket, in both containers.</summary>
    public const string SandboxSocketDirectory = "/var/run/posttrain-sandbox";

    /// <summary>The sandbox server's Unix socket (the worker reads it from POSTTRAIN_SANDBOX_SOCKET).</summary>
    public const string SandboxSocket = SandboxSocketDirectory + "/sandbox.sock";

    /// <summary>Where job.json is mounted.</summary>
    public const string ConfigDirectory = "/etc/posttrain";

    /// <summary>The worker's HTTP port (/metrics, /status).</summary>
    public const int WorkerPort = 9090;

    /// <summary>The c10d rendezvous port.</summary>
    public const int MasterPort = 29500;

    /// <summary>
    /// The longest batch Job name: the name becomes the pod label <c>batch.kubernetes.io/job-name</c> (63 at most)
    /// and, for Indexed Jobs, the pod host name <c>&lt;job&gt;-&lt;index&gt;</c> (a 63-character DNS label), so room
    /// is left for a 10-digit index.
    /// </summary>
    public const int MaxBatchJobNameLength = 52;

    /// <summary>The longest DNS label (Service names, host names, label values).</summary>
    public const int MaxLabelLength = 63;

    private const int HashLength = 8;

    /// <summary>The short, lower-case form of a kind used in child names: sft, rlvr, eval.</summary>
    public static string KindSuffix(string kind) => kind switch
    {
        "SftJob" => "sft",
        "RlvrJob" => "rlvr",
        "EvalJob" => "eval",
        _ => kind.EndsWith("Job", StringComparison.Ordinal) && kind.Length > 3 ? kind[..^3].ToLowerInvariant() : kind.ToLowerInvariant(),
    };

    /// <summary>The NetworkPolicy of a job whose rewards run code: <c>&lt;batch job&gt;-egress</c>.</summary>
    public static string NetworkPolicy(string job, string kind) => BatchJob(job, kind) + "-egress";

    /// <summary>The batch/v1 Job: <c>&lt;job&gt;-&lt;kind&gt;</c>, at most <see cref="MaxBatchJobNameLength"/> characters.</summary>
    public static string BatchJob(string job, string kind) => Fit($"{job}-{KindSuffix(kind)}", MaxBatchJobNameLength);

    /// <summary>The ConfigMap holding job.json: the batch Job's name plus <c>-config</c>.</summary>
    public static string ConfigMap(string job, string kind) => BatchJob(job, kind) + "-config";

    /// <summary>
    /// The headless Service of a multi-node job: the batch Job's name plus <c>-workers</c>; a Service name is a
    /// DNS-1035 label, so a name starting with a digit gets the prefix <c>pt-</c>.
    /// </summary>
    public static string HeadlessService(string job, string kind)
    {
        var name = BatchJob(job, kind) + "-workers";
        return Fit(char.IsAsciiDigit(name[0]) ? "pt-" + name : name, MaxLabelLength);
    }

    /// <summary>
    /// The volume name for a PersistentVolumeClaim: <c>pvc-&lt;claim&gt;</c>. A volume name is a DNS label and a claim
    /// name a DNS subdomain, so a claim with dots, or too long a name, becomes <c>pvc-</c>, its head with dots as
    /// dashes, <c>-</c> and the first 8 hex digits of the SHA-256 of the claim name, so distinct claims get distinct
    /// volumes (<c>a.b</c> and <c>a-b</c> included; a clash would take a 32-bit hash collision).
    /// </summary>
    public static string ClaimVolume(string claim)
    {
        ArgumentException.ThrowIfNullOrEmpty(claim);
        var name = "pvc-" + claim;
        if (name.Length <= MaxLabelLength && !claim.Contains('.', StringComparison.Ordinal))
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(claim)))[..HashLength];
        var head = name.Replace('.', '-');
        head = head[..Math.Min(head.Length, MaxLabelLength - HashLength - 1)].TrimEnd('-');
        return head + "-" + hash;
    }

    /// <summary>
    /// <paramref name="name"/> when it has at most <paramref name="maxLength"/> characters; otherwise its head cut so
    /// that <c>-</c> and the first 8 hex digits of the SHA-256 of the whole name fit, which keeps it unique and
    /// stable.
    /// </summary>
    public static string Fit(string name, int maxLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, HashLength + 2);
        if (name.Length <= maxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashLength];
        var head = name[..(maxLength - HashLength - 1)].TrimEnd('-', '.');
        return head + "-" + hash;
    }
}
