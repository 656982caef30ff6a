namespace PostTrain.Operator.Rendering;

/// <summary>Deterministic names and labels of a job's children, so a restarted operator finds what it created.</summary>
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

    /// <summary>Where job.json is mounted.</summary>
    public const string ConfigDirectory = "/etc/posttrain";

    /// <summary>The worker's HTTP port (/metrics, /status).</summary>
    public const int WorkerPort = 9090;

    /// <summary>The c10d rendezvous port.</summary>
    public const int MasterPort = 29500;

    /// <summary>The ConfigMap holding job.json.</summary>
    public static string ConfigMap(string job) => job + "-config";

    /// <summary>The batch/v1 Job.</summary>
    public static string BatchJob(string job) => job;

    /// <summary>The headless Service of a multi-node job.</summary>
    public static string HeadlessService(string job) => job + "-workers";

    /// <summary>The volume name for a PersistentVolumeClaim.</summary>
    public static string ClaimVolume(string claim) => "pvc-" + claim.Replace('.', '-');
}
