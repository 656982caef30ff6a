using System.Globalization;
using k8s;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Models;
using KubeEnvVar = k8s.Models.V1EnvVar;
using KubeObjectMeta = k8s.Models.V1ObjectMeta;

namespace PostTrain.Operator.Rendering;

/// <summary>
/// Renders a job whose <c>fromJob</c> references are already resolved into its ConfigMap, batch/v1 Job and (for
/// several nodes) headless Service. A pure function of its inputs: the same job renders the same children, so a
/// restarted operator and a retried pod see the same command and configuration.
/// </summary>
public sealed class WorkloadRenderer(WorkloadOptions options)
{
    /// <summary>The settings in use.</summary>
    public WorkloadOptions Options { get; } = options;

    /// <summary>Renders the children of <paramref name="job"/>, owned by <paramref name="owner"/>.</summary>
    /// <param name="job">The job with every fromJob resolved to a source.</param>
    /// <param name="owner">The custom resource the children belong to (needs a uid).</param>
    public RenderedWorkload Render(PostTrainJob job, IKubernetesObject<V1ObjectMeta> owner)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(owner);
        var spec = job.CommonSpec;
        var name = job.Metadata.Name ?? throw new ArgumentException("the job has no name", nameof(job));
        var ns = job.Metadata.Namespace;
        var labels = new Dictionary<string, string> { [ChildNames.KindLabel] = job.Kind, [ChildNames.JobLabel] = name };
        var multiNode = spec.Resources.Nodes > 1;

        var config = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new KubeObjectMeta { Name = ChildNames.ConfigMap(name, job.Kind), NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) },
            Data = new Dictionary<string, string> { ["job.json"] = WorkerJobJson(job) },
        };
        OwnerReferences.SetControllerReference(owner, config);

        V1Service? service = null;
        if (multiNode)
        {
            service = new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new KubeObjectMeta { Name = ChildNames.HeadlessService(name, job.Kind), NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) },
                Spec = new V1ServiceSpec
                {
                    ClusterIP = "None",
                    Selector = new Dictionary<string, string>(labels),
                    PublishNotReadyAddresses = true,
                    Ports = [new V1ServicePort { Name = "c10d", Port = ChildNames.MasterPort }, new V1ServicePort { Name = "metrics", Port = ChildNames.WorkerPort }],
                },
            };
            OwnerReferences.SetControllerReference(owner, service);
        }

        var jobLabels = new Dictionary<string, string>(labels);
        if (spec.Scheduling?.QueueName is { Length: > 0 } queue)
        {
            jobLabels[ChildNames.QueueLabel] = queue;
        }

        var batch = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new KubeObjectMeta { Name = ChildNames.BatchJob(name, job.Kind), NamespaceProperty = ns, Labels = jobLabels },
            Spec = new V1JobSpec
            {
                Parallelism = spec.Resources.Nodes,
                Completions = spec.Resources.Nodes,
                CompletionMode = multiNode ? "Indexed" : "NonIndexed",
                BackoffLimit = spec.BackoffLimit,
                ActiveDeadlineSeconds = spec.ActiveDeadlineSeconds,
                Suspend = spec.Suspend,
                PodFailurePolicy = PodFailurePolicy(),
                Template = new V1PodTemplateSpec
                {
                    Metadata = new KubeObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = PodSpec(job, name, multiNode),
                },
                PodReplacementPolicy = "Failed",
            },
        };
        OwnerReferences.SetControllerReference(owner, batch);
        V1NetworkPolicy? policy = null;
        if (SandboxRendering.RunsCode(job))
        {
            policy = SandboxRendering.Policy(job, labels);
            OwnerReferences.SetControllerReference(owner, policy);
        }

        return new RenderedWorkload(config, batch, service, policy);
    }

    /// <summary>
    /// The pod failure policy: a preemption (exit 143 after a checkpoint, or the DisruptionTarget condition) is
    /// not counted against backoffLimit; invalid input (exit 2) and an environment that cannot run the job (exit 3: a
    /// GPU pod without a usable GPU) fail the Job at once.
    /// </summary>
    public static V1PodFailurePolicy PodFailurePolicy() => new()
    {
        Rules =
        [
            new V1PodFailurePolicyRule
            {
                Action = "FailJob",
                OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = ChildNames.WorkerContainer, OperatorProperty = "In", Values = [2, 3] },
            },
            new V1PodFailurePolicyRule
            {
                Action = "Ignore",
                OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = ChildNames.WorkerContainer, OperatorProperty = "In", Values = [143] },
            },
            new V1PodFailurePolicyRule
            {
                Action = "Ignore",
                OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget", Status = "True" }],
            },
        ],
    };

    /// <summary>The job.json the worker reads: the job without status and cluster metadata, output defaulted.</summary>
    public string WorkerJobJson(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var copy = JobJson.FromNode(JobJson.ToNode(job));
        copy.Status = null;
        copy.Metadata = new Api.Model.ObjectMeta { Name = job.Metadata.Name, Namespace = job.Metadata.Namespace };
        copy.CommonSpec.Output.Uri ??= Options.ScratchOutputDirectory;
        return JobJson.Serialize(copy);
    }

    /// <summary>
    /// The PersistentVolumeClaims a job reads or writes, each once, in name order: those its <c>pvc://</c> sources
    /// name (the model, the reference model, every evaluated model, their adapters, the dataset) and its output. A resolved job's
    /// model sources include the checkpoints of its <c>fromJob</c> dependencies, so their claims are mounted even when
    /// the job's own output is elsewhere or unset.
    /// </summary>
    /// <param name="job">The job, with every fromJob resolved to a source.</param>
    /// <returns>The claim names.</returns>
    public static IReadOnlyList<string> Claims(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var uris = new List<string?> { job.CommonSpec.Dataset.Source, job.CommonSpec.Output.Uri };
        uris.AddRange(Models(job).SelectMany(m => new[] { m.Source, m.Adapter }));
        return uris
            .Select(u => SourceUri.TryParse(u, out var parsed, out _) && parsed.Kind == SourceKind.Pvc ? parsed.Name : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every model spec of a job (policy, reference, evaluated models).</summary>
    public static IEnumerable<ModelSpec> Models(PostTrainJob job) => job switch
    {
        SftJob sft => [sft.Spec.Model],
        RlvrJob rlvr => rlvr.Spec.ReferenceModel is { } reference ? [rlvr.Spec.Model, reference] : [rlvr.Spec.Model],
        EvalJob eval => eval.Spec.Models,
        _ => [],
    };

    private V1PodSpec PodSpec(PostTrainJob job, string name, bool multiNode)
    {
        var spec = job.CommonSpec;
        var volumes = new List<V1Volume>
        {
            new() { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = ChildNames.ConfigMap(name, job.Kind) } },
            new() { Name = "dshm", EmptyDir = SharedMemory(spec.Resources.SharedMemory) },
        };
        var mounts = new List<V1VolumeMount>
        {
            new() { Name = "config", MountPath = ChildNames.ConfigDirectory, ReadOnlyProperty = true },
            new() { Name = "dshm", MountPath = "/dev/shm" },
        };
        if (spec.Output.Uri is null)
        {
            volumes.Add(new V1Volume { Name = "output", EmptyDir = new V1EmptyDirVolumeSource() });
            mounts.Add(new V1VolumeMount { Name = "output", MountPath = Options.ScratchOutputDirectory });
        }

        foreach (var claim in Claims(job))
        {
            volumes.Add(new V1Volume { Name = ChildNames.ClaimVolume(claim), PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } });
            mounts.Add(new V1VolumeMount { Name = ChildNames.ClaimVolume(claim), MountPath = PvcPaths.MountPath(claim) });
        }

        var env = Environment(job, name, multiNode);
        var sandboxed = SandboxRendering.RunsCode(job);
        if (sandboxed)
        {
            var (socketMount, socketVariable) = SandboxRendering.WorkerSide();
            mounts.Add(socketMount);
            if (!env.Exists(e => e.Name == socketVariable.Name))
            {
                env.Insert(0, socketVariable);
            }

            volumes.AddRange(SandboxRendering.Volumes(Options));
        }

        var image = spec.Image ?? Options.DefaultImage;
        var container = new V1Container
        {
            Name = ChildNames.WorkerContainer,
            Image = image,
            Command = ["posttrain-worker", "run", ChildNames.ConfigDirectory + "/job.json"],
            Env = env,
            Ports = [new V1ContainerPort { Name = "metrics", ContainerPort = ChildNames.WorkerPort, Protocol = "TCP" }],
            Resources = Resources(spec.Resources),
            VolumeMounts = mounts,
            TerminationMessagePath = "/dev/termination-log",
            TerminationMessagePolicy = "File",
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
        };

        var scheduling = spec.Scheduling;
        var pod = new V1PodSpec
        {
            Containers = [container],
            InitContainers = sandboxed ? [SandboxRendering.Sidecar(job, image, Options)] : null,
            Volumes = volumes,
            RestartPolicy = "Never",
            NodeSelector = scheduling?.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
            Tolerations = scheduling?.Tolerations is { Count: > 0 } tolerations ? tolerations.Select(t => KubeJson.FromNode<V1Toleration>(t)!).ToList() : null,
            Affinity = KubeJson.FromNode<V1Affinity>(scheduling?.Affinity),
            Subdomain = multiNode ? ChildNames.HeadlessService(name, job.Kind) : null,
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            AutomountServiceAccountToken = false,
            PriorityClassName = scheduling?.PriorityClassName is { Length: > 0 } priority ? priority : null,
            SchedulerName = scheduling?.SchedulerName is { Length: > 0 } scheduler ? scheduler : null,
        };
        return pod;
    }

    private static V1EmptyDirVolumeSource SharedMemory(string? size) =>
        new() { Medium = "Memory", SizeLimit = size is { Length: > 0 } ? new ResourceQuantity(size) : null };

    private V1ResourceRequirements Resources(ResourcesSpec resources)
    {
        var limits = new Dictionary<string, ResourceQuantity>();
        var requests = new Dictionary<string, ResourceQuantity>();
        if (resources.Gpus > 0)
        {
            var gpuName = resources.GpuResourceName == WorkloadOptions.DefaultGpuResourceName ? Options.GpuResourceName : resources.GpuResourceName;
            limits[gpuName] = new ResourceQuantity(resources.Gpus.ToString(CultureInfo.InvariantCulture));
        }

        if (resources.Cpu is { Length: > 0 } cpu)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (resources.Memory is { Length: > 0 } memory)
        {
            requests["memory"] = new ResourceQuantity(memory);
            limits["memory"] = new ResourceQuantity(memory);
        }

        return new V1ResourceRequirements { Limits = limits.Count > 0 ? limits : null, Requests = requests.Count > 0 ? requests : null };
    }

    /// <summary>
    /// The distributed-training variables PyTorch users expect. A pod runs one worker process per GPU
    /// (POSTTRAIN_NPROC_PER_NODE; the worker starts them as torchrun does and gives each LOCAL_RANK and
    /// RANK = NODE_RANK x N + LOCAL_RANK); with one process per pod RANK and LOCAL_RANK are set here. NODE_RANK is the
    /// pod's completion index. POSTTRAIN_DEVICE=cuda makes a pod that asked for GPUs fail at once without one.
    /// </summary>
    private static List<KubeEnvVar> Environment(PostTrainJob job, string name, bool multiNode)
    {
        var spec = job.CommonSpec;
        var perPod = Math.Max(1, spec.Resources.Gpus);
        var nodes = spec.Resources.Nodes;
        V1EnvVarSource CompletionIndex() => new() { FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{ChildNames.CompletionIndexAnnotation}']" } };
        var env = new List<KubeEnvVar>
        {
            new() { Name = "POSTTRAIN_PORT", Value = ChildNames.WorkerPort.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "POSTTRAIN_DEVICE", Value = spec.Resources.Gpus > 0 ? "cuda" : "cpu" },
            new() { Name = "POSTTRAIN_NPROC_PER_NODE", Value = perPod.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "NNODES", Value = nodes.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "WORLD_SIZE", Value = (nodes * perPod).ToString(CultureInfo.InvariantCulture) },
            new() { Name = "MASTER_PORT", Value = ChildNames.MasterPort.ToString(CultureInfo.InvariantCulture) },
        };
        env.Add(multiNode
            ? new KubeEnvVar { Name = "NODE_RANK", ValueFrom = CompletionIndex() }
            : new KubeEnvVar { Name = "NODE_RANK", Value = "0" });
        if (perPod == 1)
        {
            env.Add(new KubeEnvVar { Name = "LOCAL_RANK", Value = "0" });
            env.Add(multiNode ? new KubeEnvVar { Name = "RANK", ValueFrom = CompletionIndex() } : new KubeEnvVar { Name = "RANK", Value = "0" });
        }

        env.Add(new KubeEnvVar { Name = "MASTER_ADDR", Value = multiNode ? $"{ChildNames.BatchJob(name, job.Kind)}-0.{ChildNames.HeadlessService(name, job.Kind)}" : "127.0.0.1" });

        if (spec.HfTokenSecret is { } secret)
        {
            env.Add(new KubeEnvVar
            {
                Name = "HF_TOKEN",
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret.Name, Key = secret.Key } },
            });
        }

        foreach (var user in spec.Env ?? [])
        {
            env.RemoveAll(e => e.Name == user.Name);
            env.Add(new KubeEnvVar { Name = user.Name, Value = user.Value, ValueFrom = KubeJson.FromNode<V1EnvVarSource>(user.ValueFrom) });
        }

        return env;
    }
}
