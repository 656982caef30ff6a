using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;
using PostTrain.Kube.Queue;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using JobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Tests;

/// <summary>
/// A running operator against the fixture's server, watching one namespace, plus helpers that play the parts of
/// the Job controller and the kubelet (pods, their status and termination messages).
/// </summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly KubernetesClient _operatorClient;
    private readonly Meter _meter = new(OperatorSetup.MeterName);

    private OperatorHarness(OperatorFixture fixture, string ns, FakeWorkers workers, string identity, IReadOnlyList<string> alsoWatch)
    {
        Fixture = fixture;
        Namespace = ns;
        Workers = workers;
        _operatorClient = fixture.NewClient("posttrain-operator/" + identity);
        Setup = OperatorSetup.Create(
            _operatorClient,
            new OperatorSettings
            {
                Namespaces = [ns, .. alsoWatch],
                Identity = identity,
                Concurrency = 2,
                InformerBackoff = TimeSpan.FromMilliseconds(20),
                RateLimiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(200)),
                Reconciler = new ReconcilerOptions { ProgressPollInterval = TimeSpan.FromMilliseconds(100), DependencyPollInterval = TimeSpan.FromMilliseconds(300) },
                Workload = new WorkloadOptions { DefaultImage = "example.com/worker:test" },
            },
            workers,
            _meter,
            NullLoggerFactory.Instance);
        _run = Task.Run(() => Setup.Manager.RunAsync(_stop.Token));
    }

    public OperatorFixture Fixture { get; }

    public string Namespace { get; }

    public FakeWorkers Workers { get; }

    public OperatorSetup Setup { get; }

    public Meter Meter => _meter;

    public KubernetesClient Client => Fixture.Client;

    public static OperatorHarness Start(OperatorFixture fixture, string ns, FakeWorkers? workers = null, string identity = "op-a", IReadOnlyList<string>? alsoWatch = null) =>
        new(fixture, ns, workers ?? new FakeWorkers(), identity, alsoWatch ?? []);

    public ResourceClient<JobResource> Jobs(ResourceDescriptor kind) => Client.Resource<JobResource>(kind);

    public async Task<JobResource> CreateAsync(ResourceDescriptor kind, string name, JsonObject spec)
    {
        var resource = new JobResource { ApiVersion = kind.ApiVersion, Kind = kind.Kind, Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace }, Spec = spec };
        return await Jobs(kind).CreateAsync(resource);
    }

    public async Task<JobStatus> StatusAsync(ResourceDescriptor kind, string name) =>
        (await Jobs(kind).GetAsync(name, Namespace)).ReadStatus();

    public async Task<JobStatus> WaitForPhaseAsync(ResourceDescriptor kind, string name, JobPhase phase, double seconds = 10)
    {
        JobStatus status = new();
        await Eventually.TrueAsync(async () => (status = await StatusAsync(kind, name)).Phase == phase, $"{kind.Kind}/{name} reaches {phase}", seconds);
        return status;
    }

    /// <summary>
    /// Runs one more reconcile of the job against everything the API server holds now and waits for it: how a test sees,
    /// without sleeping, that the operator leaves something alone. The job gets a test annotation, which the reconciler
    /// ignores; the reconcile waited for is one that started after the informer's cache held that annotation, so it read
    /// every earlier change (watch events arrive in order). A job that is gone (<paramref name="deleted"/>) is not
    /// touched: the reconcile waited for is one that started after the cache dropped it. Events of different resources
    /// are not ordered, so a test that just changed batch Jobs or pods passes them as <paramref name="changed"/>: the
    /// reconcile then also waits for the operator's caches to hold those versions.
    /// </summary>
    public async Task ReconcileOnceMoreAsync(ResourceDescriptor kind, string name, bool deleted = false, IReadOnlyList<IKubernetesObject<V1ObjectMeta>>? changed = null)
    {
        var controller = Setup.Controllers.Single(c => c.Primary.Descriptor.Kind == kind.Kind && c.Primary.Options.Namespace == Namespace);
        static long Version(IKubernetesObject<V1ObjectMeta> o) => long.Parse(o.Metadata.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture);
        async Task Cached<T>(T wanted)
            where T : class, IKubernetesObject<V1ObjectMeta>
        {
            var informer = controller.Informers.OfType<Kube.Informers.Informer<T>>().Single();
            await Eventually.TrueAsync(
                () => informer.Cache.Get(Namespace, wanted.Metadata.Name!) is { } cached && Version(cached) >= Version(wanted),
                $"the operator's cache holds {typeof(T).Name} {wanted.Metadata.Name} at {Version(wanted)}");
        }

        foreach (var wanted in changed ?? [])
        {
            await (wanted switch
            {
                V1Job job => Cached(job),
                V1Pod pod => Cached(pod),
                _ => throw new ArgumentException($"no cache for {wanted.GetType().Name}", nameof(changed)),
            });
        }

        var token = Guid.NewGuid().ToString("N");
        bool Seen(JobResource job) => job.Metadata.Name == name && job.GetAnnotation("posttrain.test/reconcile-once-more") == token;
        long seenAt = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnReconciled(Kube.Controllers.ReconcileRequest request, Kube.Controllers.ReconcileResult result, TimeSpan took)
        {
            var seen = Interlocked.Read(ref seenAt);
            if (request.Name == name && seen != 0 && System.Diagnostics.Stopwatch.GetTimestamp() - (long)(took.TotalSeconds * System.Diagnostics.Stopwatch.Frequency) > seen)
            {
                done.TrySetResult();
            }
        }

        // The controller's own handler may hand the key to a worker before this one runs, so that reconcile can start
        // before seenAt; adding the key again guarantees one that starts later (a key being processed is queued again
        // when it is done).
        void MarkSeen()
        {
            Interlocked.CompareExchange(ref seenAt, System.Diagnostics.Stopwatch.GetTimestamp(), 0);
            controller.Queue.Add($"{Namespace}/{name}");
        }
        controller.Reconciled += OnReconciled;
        try
        {
            controller.Primary.AddHandler(new Kube.Informers.ResourceEventHandler<JobResource>
            {
                OnAdd = job => { if (!deleted && Seen(job)) { MarkSeen(); } },
                OnUpdate = (_, job) => { if (!deleted && Seen(job)) { MarkSeen(); } },
                OnDelete = (job, _) => { if (deleted && job.Metadata.Name == name) { MarkSeen(); } },
            });
            if (deleted)
            {
                if (controller.Primary.Cache.Get(Namespace, name) is null)
                {
                    MarkSeen(); // queues the key: nothing else may come for a job already gone
                }
            }
            else
            {
                await Jobs(kind).UpdateAsync(name, j => (j.Metadata.Annotations ??= new Dictionary<string, string>())["posttrain.test/reconcile-once-more"] = token, Namespace);
            }

            await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            controller.Reconciled -= OnReconciled;
        }
    }

    public async Task<V1Job> WaitForBatchJobAsync(string name)
    {
        V1Job? job = null;
        await Eventually.TrueAsync(async () => (job = await Client.Jobs.TryGetAsync(name, Namespace)) is not null, $"batch Job {name} is created");
        return job!;
    }

    /// <summary>The Job controller and kubelet start a worker pod: the pod runs, the Job counts it active.</summary>
    public async Task<V1Pod> StartPodAsync(ResourceDescriptor kind, string job, string podName, string ip, int? index = null)
    {
        var batchName = ChildNames.BatchJob(job, kind.Kind);
        var annotations = index is { } i ? new Dictionary<string, string> { [ChildNames.CompletionIndexAnnotation] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null;
        var pod = await Client.Pods.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = podName,
                NamespaceProperty = Namespace,
                Labels = new Dictionary<string, string>() { [ChildNames.KindLabel] = kind.Kind, [ChildNames.JobLabel] = job, ["batch.kubernetes.io/job-name"] = batchName },
                Annotations = annotations,
            },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = ChildNames.WorkerContainer, Image = "example.com/worker:test" }] },
        });
        pod = await Client.Pods.UpdateAsync(podName, p => p.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            ContainerStatuses = [new V1ContainerStatus { Name = ChildNames.WorkerContainer, State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["running"] = new JsonObject() }) }],
        }, Namespace, status: true);
        await Client.Jobs.UpdateAsync(batchName, j =>
        {
            j.Status ??= new V1JobStatus();
            j.Status.Active = (j.Status.Active ?? 0) + 1;
            j.Status.StartTime ??= DateTime.UtcNow;
        }, Namespace, status: true);
        return pod;
    }

    /// <summary>
    /// The worker exits: the container terminates with the result JSON as its message (a <see cref="WorkerResult"/>
    /// written as the worker writes it, or any object in the same camelCase form).
    /// </summary>
    public async Task<V1Pod> TerminatePodAsync(string podName, int exitCode, object result, JsonArray? conditions = null)
    {
        var message = result is WorkerResult document ? WorkerJson.Serialize(document) : JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return await Client.Pods.UpdateAsync(podName, p =>
        {
            p.Status!.Phase = exitCode == 0 ? "Succeeded" : "Failed";
            p.Status.Conditions = KubeJson.FromNode<List<V1PodCondition>>(conditions);
            p.Status.ContainerStatuses = [new V1ContainerStatus
            {
                Name = ChildNames.WorkerContainer,
                State = KubeJson.FromNode<V1ContainerState>(new JsonObject { ["terminated"] = new JsonObject
                {
                    ["exitCode"] = exitCode,
                    ["reason"] = exitCode == 0 ? "Completed" : "Error",
                    ["message"] = message,
                    ["finishedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                },
            }),
            }];
        }, Namespace, status: true);
    }

    /// <summary>The Job controller's view (of the batch Job <paramref name="job"/>) after pods finished: counts and, when given, a terminal condition.</summary>
    public Task<V1Job> SetBatchStatusAsync(string job, int active, int succeeded, int failed, string? condition = null, string? reason = null, string? message = null) =>
        Client.Jobs.UpdateAsync(job, j =>
        {
            j.Status ??= new V1JobStatus();
            j.Status.Active = active;
            j.Status.Succeeded = succeeded;
            j.Status.Failed = failed;
            if (condition is not null)
            {
                j.Status.Conditions = [new V1JobCondition { Type = condition, Status = "True", Reason = reason, Message = message, LastTransitionTime = DateTime.UtcNow }];
                j.Status.CompletionTime = condition == "Complete" ? DateTime.UtcNow : null;
            }
        }, Namespace, status: true);

    /// <summary>
    /// Runs a job to success: a pod starts, the worker reports <paramref name="checkpoint"/> (at step 10; see
    /// <see cref="WorkerReports"/> for what a worker reports) and exits 0.
    /// </summary>
    public async Task SucceedAsync(ResourceDescriptor kind, string job, string ip, string? checkpoint, Dictionary<string, double>? metrics = null, List<JsonObject>? table = null)
    {
        var batchName = ChildNames.BatchJob(job, kind.Kind);
        await WaitForBatchJobAsync(batchName);
        var pod = batchName + "-pod";
        await StartPodAsync(kind, job, pod, ip);
        await WaitForPhaseAsync(kind, job, JobPhase.Running);
        await TerminatePodAsync(pod, 0, new WorkerResult
        {
            Kind = kind.Kind,
            Name = job,
            Phase = WorkerPhases.Succeeded,
            Metrics = metrics ?? new Dictionary<string, double> { ["loss"] = 0.5 },
            Checkpoint = checkpoint is null ? null : new WorkerCheckpoint { Uri = checkpoint, Step = 10 },
            Table = table,
            Message = "done",
        });
        await SetBatchStatusAsync(batchName, active: 0, succeeded: 1, failed: 0, condition: "Complete");
        await WaitForPhaseAsync(kind, job, JobPhase.Succeeded);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _operatorClient.Dispose();
        _meter.Dispose();
        _stop.Dispose();
    }
}
