using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Models;
using KubeEnvVar = PostTrain.Kube.Models.EnvVar;
using KubeObjectMeta = PostTrain.Kube.Models.ObjectMeta;

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
    public RenderedWorkload Render(PostTrainJob job, IKubernetesObject owner)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(owner);
        var spec = job.CommonSpec;
        var name = job.Metadata.Name ?? throw new ArgumentException("the job has no name", nameof(job));
        var ns = job.Metadata.Namespace;
        var labels = new Dictionary<string, string> { [ChildNames.KindLabel] = job.Kind, [ChildNames.JobLabel] = name };
        var multiNode = spec.Resources.Nodes > 1;

        var config = new ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new KubeObjectMeta { Name = ChildNames.ConfigMap(name, job.Kind), Namespace = ns, Labels = new(labels) },
            Data = new Dictionary<string, string> { ["job.json"] = WorkerJobJson(job) },
        };
        OwnerReferences.SetControllerReference(owner, config);

        Service? service = null;
        if (multiNode)
        {
            service = new Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new KubeObjectMeta { Name = ChildNames.HeadlessService(name, job.Kind), Namespace = ns, Labels = new(labels) },
                Spec = new ServiceSpec
                {
                    ClusterIP = "None",
                    Selector = new(labels),
                    PublishNotReadyAddresses = true,
                    Ports = [new ServicePort { Name = "c10d", Port = ChildNames.MasterPort }, new ServicePort { Name = "metrics", Port = ChildNames.WorkerPort }],
                },
            };
            OwnerReferences.SetControllerReference(owner, service);
        }

        var jobLabels = new Dictionary<string, string>(labels);
        if (spec.Scheduling?.QueueName is { Length: > 0 } queue)
        {
            jobLabels[ChildNames.QueueLabel] = queue;
        }

        var batch = new Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new KubeObjectMeta { Name = ChildNames.BatchJob(name, job.Kind), Namespace = ns, Labels = jobLabels },
            Spec = new JobSpec
            {
                Parallelism = spec.Resources.Nodes,
                Completions = spec.Resources.Nodes,
                CompletionMode = multiNode ? "Indexed" : "NonIndexed",
                BackoffLimit = spec.BackoffLimit,
                ActiveDeadlineSeconds = spec.ActiveDeadlineSeconds,
                Suspend = spec.Suspend,
                PodFailurePolicy = PodFailurePolicy(),
                Template = new PodTemplateSpec
                {
                    Metadata = new KubeObjectMeta { Labels = new(labels) },
                    Spec = PodSpec(job, name, multiNode),
                },
                ExtensionData = new() { ["podReplacementPolicy"] = Element("Failed") },
            },
        };
        OwnerReferences.SetControllerReference(owner, batch);
        NetworkPolicy? policy = null;
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
    public static JsonObject PodFailurePolicy() => new()
    {
        ["rules"] = new JsonArray
        {
            new JsonObject
            {
                ["action"] = "FailJob",
                ["onExitCodes"] = new JsonObject { ["containerName"] = ChildNames.WorkerContainer, ["operator"] = "In", ["values"] = new JsonArray(2, 3) },
            },
            new JsonObject
            {
                ["action"] = "Ignore",
                ["onExitCodes"] = new JsonObject { ["containerName"] = ChildNames.WorkerContainer, ["operator"] = "In", ["values"] = new JsonArray(143) },
            },
            new JsonObject
            {
                ["action"] = "Ignore",
                ["onPodConditions"] = new JsonArray { new JsonObject { ["type"] = "DisruptionTarget", ["status"] = "True" } },
            },
        },
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

    private PodSpec PodSpec(PostTrainJob job, string name, bool multiNode)
    {
        var spec = job.CommonSpec;
        var volumes = new List<Volume>
        {
            new() { Name = "config", ConfigMap = new JsonObject { ["name"] = ChildNames.ConfigMap(name, job.Kind) } },
            new() { Name = "dshm", EmptyDir = SharedMemory(spec.Resources.SharedMemory) },
        };
        var mounts = new List<VolumeMount>
        {
            new() { Name = "config", MountPath = ChildNames.ConfigDirectory, ReadOnly = true },
            new() { Name = "dshm", MountPath = "/dev/shm" },
        };
        if (spec.Output.Uri is null)
        {
            volumes.Add(new Volume { Name = "output", EmptyDir = [] });
            mounts.Add(new VolumeMount { Name = "output", MountPath = Options.ScratchOutputDirectory });
        }

        foreach (var claim in Claims(job))
        {
            volumes.Add(new Volume { Name = ChildNames.ClaimVolume(claim), PersistentVolumeClaim = new JsonObject { ["claimName"] = claim } });
            mounts.Add(new VolumeMount { Name = ChildNames.ClaimVolume(claim), MountPath = PvcPaths.MountPath(claim) });
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
        var container = new Container
        {
            Name = ChildNames.WorkerContainer,
            Image = image,
            Command = ["posttrain-worker", "run", ChildNames.ConfigDirectory + "/job.json"],
            Env = env,
            Ports = [new ContainerPort { Name = "metrics", Port = ChildNames.WorkerPort, Protocol = "TCP" }],
            Resources = Resources(spec.Resources),
            VolumeMounts = mounts,
            TerminationMessagePath = "/dev/termination-log",
            TerminationMessagePolicy = "File",
            ExtensionData = new()
            {
                ["securityContext"] = Element(new JsonObject
                {
                    ["allowPrivilegeEscalation"] = false,
                    ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
                }),
            },
        };

        var scheduling = spec.Scheduling;
        var pod = new PodSpec
        {
            Containers = [container],
            InitContainers = sandboxed ? [SandboxRendering.Sidecar(job, image, Options)] : null,
            Volumes = volumes,
            RestartPolicy = "Never",
            NodeSelector = scheduling?.NodeSelector is { Count: > 0 } selector ? new(selector) : null,
            Tolerations = scheduling?.Tolerations is { Count: > 0 } tolerations ? new JsonArray(tolerations.Select(t => (JsonNode?)t.DeepClone()).ToArray()) : null,
            Affinity = scheduling?.Affinity?.DeepClone().AsObject(),
            Subdomain = multiNode ? ChildNames.HeadlessService(name, job.Kind) : null,
            ExtensionData = new()
            {
                ["securityContext"] = Element(new JsonObject
                {
                    ["runAsNonRoot"] = true,
                    ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
                }),
                ["automountServiceAccountToken"] = Element(false),
            },
        };
        if (scheduling?.PriorityClassName is { Length: > 0 } priority)
        {
            pod.ExtensionData["priorityClassName"] = Element(priority);
        }

        if (scheduling?.SchedulerName is { Length: > 0 } scheduler)
        {
            pod.ExtensionData["schedulerName"] = Element(scheduler);
        }

        return pod;
    }

    private static JsonObject SharedMemory(string? size)
    {
        var dir = new JsonObject { ["medium"] = "Memory" };
        if (size is { Length: > 0 })
        {
            dir["sizeLimit"] = size;
        }

        return dir;
    }

    private ResourceRequirements Resources(ResourcesSpec resources)
    {
        var limits = new Dictionary<string, string>();
        var requests = new Dictionary<string, string>();
        if (resources.Gpus > 0)
        {
            var gpuName = resources.GpuResourceName == WorkloadOptions.DefaultGpuResourceName ? Options.GpuResourceName : resources.GpuResourceName;
            limits[gpuName] = resources.Gpus.ToString(CultureInfo.InvariantCulture);
        }

        if (resources.Cpu is { Length: > 0 } cpu)
        {
            requests["cpu"] = cpu;
        }

        if (resources.Memory is { Length: > 0 } memory)
        {
            requests["memory"] = memory;
            limits["memory"] = memory;
        }

        return new ResourceRequirements { Limits = limits.Count > 0 ? limits : null, Requests = requests.Count > 0 ? requests : null };
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
        var completionIndex = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = $"metadata.annotations['{ChildNames.CompletionIndexAnnotation}']" } };
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
            ? new KubeEnvVar { Name = "NODE_RANK", ValueFrom = completionIndex.DeepClone().AsObject() }
            : new KubeEnvVar { Name = "NODE_RANK", Value = "0" });
        if (perPod == 1)
        {
            env.Add(new KubeEnvVar { Name = "LOCAL_RANK", Value = "0" });
            env.Add(multiNode ? new KubeEnvVar { Name = "RANK", ValueFrom = completionIndex } : new KubeEnvVar { Name = "RANK", Value = "0" });
        }

        env.Add(new KubeEnvVar { Name = "MASTER_ADDR", Value = multiNode ? $"{ChildNames.BatchJob(name, job.Kind)}-0.{ChildNames.HeadlessService(name, job.Kind)}" : "127.0.0.1" });

        if (spec.HfTokenSecret is { } secret)
        {
            env.Add(new KubeEnvVar
            {
                Name = "HF_TOKEN",
                ValueFrom = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret.Name, ["key"] = secret.Key } },
            });
        }

        foreach (var user in spec.Env ?? [])
        {
            env.RemoveAll(e => e.Name == user.Name);
            env.Add(new KubeEnvVar { Name = user.Name, Value = user.Value, ValueFrom = user.ValueFrom?.DeepClone().AsObject() });
        }

        return env;
    }

    private static JsonElement Element(JsonNode node) => JsonSerializer.SerializeToElement(node, KubeJson.Options);

    private static JsonElement Element(string value) => JsonSerializer.SerializeToElement(value, KubeJson.Options);

    private static JsonElement Element(bool value) => JsonSerializer.SerializeToElement(value, KubeJson.Options);
}
