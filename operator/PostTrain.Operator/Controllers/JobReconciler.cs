using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostTrain.Api.Jobs;
using PostTrain.Api.Status;
using PostTrain.Api.Validation;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using BatchJob = PostTrain.Kube.Models.Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Reconciles one PostTrain kind (the same code serves SftJob, RlvrJob and EvalJob): validates the spec, waits for
/// and resolves <c>fromJob</c> dependencies, creates the ConfigMap, headless Service and batch Job when absent,
/// keeps <c>suspend</c> in step, and derives the status (phase, conditions, progress, checkpoint, result) from the
/// batch Job, the pods' termination messages and the running worker's /status. Deletes finished jobs after
/// <c>ttlSecondsAfterFinished</c>.
/// </summary>
public sealed class JobReconciler : IReconciler
{
    /// <summary>Condition: the workload is running (True), or why not (False).</summary>
    public const string ProgressingCondition = "Progressing";

    /// <summary>Condition: the job finished successfully.</summary>
    public const string CompleteCondition = "Complete";

    /// <summary>Condition: the job failed.</summary>
    public const string FailedCondition = "Failed";

    /// <summary>Condition: the job is suspended.</summary>
    public const string SuspendedCondition = "Suspended";

    /// <summary>Condition: every fromJob dependency has succeeded.</summary>
    public const string DependenciesReadyCondition = "DependenciesReady";

    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly NamespaceScope _scope;
    private readonly ILogger _logger;

    /// <summary>Creates the reconciler for <paramref name="kind"/> in one watched <paramref name="scope"/>.</summary>
    public JobReconciler(ResourceDescriptor kind, OperatorContext context, NamespaceScope scope)
    {
        _kind = kind;
        _context = context;
        _scope = scope;
        _logger = context.Loggers.CreateLogger("PostTrain.Operator." + kind.Kind);
    }

    private Informer<JobResource> Primary => _scope.Jobs[_kind.Kind];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var cached = Primary.Cache.Get(request.Namespace, request.Name);
        if (cached is null || cached.Metadata.DeletionTimestamp is not null || _context.WasDeleted(cached.Metadata.Uid))
        {
            return ReconcileResult.Done;
        }

        var resource = Clone(cached);
        resource.ApiVersion ??= _kind.ApiVersion;
        resource.Kind ??= _kind.Kind;
        var status = resource.ReadStatus();
        var now = _context.Time.GetUtcNow();

        if (status.Phase == JobPhase.Failed && status.FindCondition(FailedCondition)?.Reason == "InvalidSpec" && status.ObservedGeneration != resource.Metadata.Generation)
        {
            // The spec was edited after it was rejected: start over.
            status = new ApiJobStatus();
        }

        if (status.Phase is JobPhase.Succeeded or JobPhase.Failed)
        {
            return await FinishedAsync(resource, status, now, cancellationToken).ConfigureAwait(false);
        }

        PostTrainJob job;
        try
        {
            job = resource.ToJob();
        }
        catch (JsonException e)
        {
            return await FailAsync(resource, status, "InvalidSpec", e.Message, now, cancellationToken).ConfigureAwait(false);
        }

        // The status is the operator's own; only the spec and metadata are the user's to get wrong.
        job.Status = null;
        var errors = JobValidator.Validate(job);
        if (errors.Count > 0)
        {
            var message = string.Join("; ", errors.Take(8).Select(e => e.ToString())) + (errors.Count > 8 ? $" (and {errors.Count - 8} more)" : "");
            return await FailAsync(resource, status, "InvalidSpec", message, now, cancellationToken).ConfigureAwait(false);
        }

        var dependencies = ResolveDependencies(job);
        if (dependencies.Failure is { } failure)
        {
            status.SetCondition(Condition(DependenciesReadyCondition, ConditionStatus.False, "DependencyFailed", failure, resource), now);
            return await FailAsync(resource, status, "DependencyFailed", failure, now, cancellationToken).ConfigureAwait(false);
        }

        if (dependencies.Waiting is { } waiting)
        {
            status.Phase = JobPhase.WaitingForDependency;
            status.SetCondition(Condition(DependenciesReadyCondition, ConditionStatus.False, "WaitingForDependency", waiting, resource), now);
            status.SetCondition(Condition(ProgressingCondition, ConditionStatus.False, "WaitingForDependency", waiting, resource), now);
            await WriteStatusAsync(resource, status, "WaitingForDependency", waiting, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(_context.Options.DependencyPollInterval);
        }

        if (job.JobReferences().Any())
        {
            status.SetCondition(Condition(DependenciesReadyCondition, ConditionStatus.True, "DependenciesSucceeded", "every fromJob dependency succeeded", resource), now);
        }

        var workload = _context.Renderer.Render(job, resource);
        var batch = _scope.BatchJobs.Cache.Get(workload.Job.Metadata.Namespace, workload.Job.Metadata.Name!);
        var configMissing = _scope.ConfigMaps.Cache.Get(workload.Config.Metadata.Namespace, workload.Config.Metadata.Name!) is null;
        if (batch is null || configMissing)
        {
            // About to create: make sure the job was not deleted meanwhile (the cache may lag), so a deleted
            // job's children are never recreated.
            if (!await StillExistsAsync(resource, cancellationToken).ConfigureAwait(false))
            {
                return ReconcileResult.Done;
            }

            if (configMissing)
            {
                await EnsureCreatedAsync(_context.Client.ConfigMaps, workload.Config, cancellationToken).ConfigureAwait(false);
            }

            if (workload.Service is { } service)
            {
                await EnsureCreatedAsync(_context.Client.Services, service, cancellationToken).ConfigureAwait(false);
            }

            batch ??= await EnsureCreatedAsync(_context.Client.Jobs, workload.Job, cancellationToken).ConfigureAwait(false);
        }
        if (!OwnerReferences.IsControlledBy(batch, resource))
        {
            var message = $"batch Job {batch.Metadata.Name} exists and belongs to someone else; PostTrain job names must be unique across kinds in a namespace";
            return await FailAsync(resource, status, "ChildConflict", message, now, cancellationToken).ConfigureAwait(false);
        }

        batch = await SyncSuspendAsync(job, batch, workload.Job, cancellationToken).ConfigureAwait(false);
        return await UpdateFromWorkloadAsync(resource, job, status, batch, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> UpdateFromWorkloadAsync(JobResource resource, PostTrainJob job, ApiJobStatus status, BatchJob batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = WorkerPods(resource);
        var results = pods
            .Select(p => (Pod: p, Result: TerminatedResult(p)))
            .Where(r => r.Result is not null)
            .Select(r => (r.Pod, Result: r.Result!))
            .ToList();
        foreach (var (_, result) in results)
        {
            MergeCheckpoint(status, result.Checkpoint);
        }

        var complete = HasCondition(batch, "Complete") || HasCondition(batch, "SuccessCriteriaMet");
        var failed = batch.Status?.Conditions?.Find(c => c.Type is "Failed" or "FailureTarget" && c.Status == "True");
        string reason;
        string message;
        var requeue = ReconcileResult.Done;
        if (complete)
        {
            var result = results.Where(r => r.Result.Phase == "Succeeded").OrderBy(r => Index(r.Pod)).Select(r => r.Result).FirstOrDefault();
            var completedAt = batch.Status?.CompletionTime ?? now;
            if (result is null && now - completedAt < _context.Options.ResultGracePeriod)
            {
                // The pod's termination message (result, final checkpoint) may not be in the cache yet; Succeeded
                // is final, so wait for it rather than record a success without a checkpoint. The pod's update
                // triggers a reconcile; the requeue bounds the wait.
                return ReconcileResult.RequeueAfter(_context.Options.ProgressPollInterval);
            }

            status.Phase = JobPhase.Succeeded;
            status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
            status.CompletionTime ??= Normalize(batch.Status?.CompletionTime ?? now);
            if (result is not null)
            {
                status.Result = new ResultStatus { Metrics = result.Metrics, Table = result.Table };
            }

            if (status.Progress is { } progress && progress.TotalSteps is { } total)
            {
                progress.Step = Math.Max(progress.Step, total);
                progress.Percent = 100;
                progress.Eta = "0s";
            }

            reason = "Succeeded";
            message = result?.Message is { Length: > 0 } m ? m : $"{job.Kind} finished";
            status.SetCondition(Condition(CompleteCondition, ConditionStatus.True, reason, message, resource), now);
            status.SetCondition(Condition(ProgressingCondition, ConditionStatus.False, reason, message, resource), now);
            status.SetCondition(Condition(SuspendedCondition, ConditionStatus.False, "Finished", "the job finished", resource), now);
            await WriteStatusAsync(resource, status, reason, message, cancellationToken).ConfigureAwait(false);
            return await FinishedAsync(resource, status, now, cancellationToken).ConfigureAwait(false);
        }

        if (failed is not null)
        {
            var lastFailure = results.Where(r => r.Result.Phase == "Failed").Select(r => r.Result.Message).LastOrDefault(m => !string.IsNullOrEmpty(m));
            reason = ConditionReason(failed.Reason) ?? "JobFailed";
            message = lastFailure ?? failed.Message ?? "the batch Job failed";
            status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
            status.CompletionTime ??= Normalize(now);
            return await FailAsync(resource, status, reason, message, now, cancellationToken).ConfigureAwait(false);
        }

        if (batch.Spec.Suspend == true)
        {
            status.Phase = JobPhase.Suspended;
            reason = "Suspended";
            message = job.CommonSpec.Suspend ? "spec.suspend is true" : $"waiting for admission by queue {job.CommonSpec.Scheduling?.QueueName}";
            status.SetCondition(Condition(SuspendedCondition, ConditionStatus.True, reason, message, resource), now);
            status.SetCondition(Condition(ProgressingCondition, ConditionStatus.False, reason, message, resource), now);
        }
        else
        {
            status.SetCondition(Condition(SuspendedCondition, ConditionStatus.False, "Resumed", "the workload may run", resource), now);
            var running = pods.Where(p => p.Status?.Phase == "Running").OrderBy(Index).ToList();
            if ((batch.Status?.Active ?? 0) > 0 || running.Count > 0)
            {
                status.Phase = JobPhase.Running;
                status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
                reason = "Running";
                var leader = running.FirstOrDefault(p => p.Status?.PodIP is { Length: > 0 });
                if (leader is not null)
                {
                    var worker = await _context.Workers.GetStatusAsync(leader.Status!.PodIP!, ChildNames.WorkerPort, cancellationToken).ConfigureAwait(false);
                    if (worker is not null)
                    {
                        ApplyProgress(status, worker, now);
                    }
                }

                message = status.Progress is { } p
                    ? $"step {p.Step}" + (p.TotalSteps is { } t ? $"/{t}" : "")
                    : "the worker is running";
                var retries = batch.Status?.Failed ?? 0;
                if (retries > 0)
                {
                    message += $"; {retries} failed pod(s), retrying (backoffLimit {job.CommonSpec.BackoffLimit})";
                }

                status.SetCondition(Condition(ProgressingCondition, ConditionStatus.True, reason, message, resource), now);
                requeue = ReconcileResult.RequeueAfter(_context.Options.ProgressPollInterval);
            }
            else
            {
                status.Phase = JobPhase.Pending;
                reason = "Pending";
                message = "waiting for the worker pod to start";
                status.SetCondition(Condition(ProgressingCondition, ConditionStatus.False, reason, message, resource), now);
            }
        }

        await WriteStatusAsync(resource, status, reason, message, cancellationToken).ConfigureAwait(false);
        return requeue;
    }

    private async Task<ReconcileResult> FinishedAsync(JobResource resource, ApiJobStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (resource.Spec?["ttlSecondsAfterFinished"] is not JsonValue ttlValue || !ttlValue.TryGetValue<int>(out var ttl))
        {
            return ReconcileResult.Done;
        }

        var finished = status.CompletionTime ?? now;
        var due = finished + TimeSpan.FromSeconds(ttl);
        if (due > now)
        {
            return ReconcileResult.RequeueAfter(due - now);
        }

        _context.MarkDeleted(resource.Metadata.Uid);
        _logger.LogInformation("{Kind} {Namespace}/{Name}: deleting, ttlSecondsAfterFinished ({Ttl} s) passed", _kind.Kind, resource.Metadata.Namespace, resource.Metadata.Name, ttl);
        try
        {
            await _context.JobClient(_kind).DeleteAsync(
                resource.Metadata.Name!,
                resource.Metadata.Namespace,
                new DeleteOptions { PropagationPolicy = PropagationPolicy.Background, PreconditionUid = resource.Metadata.Uid },
                cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Already gone, or a different object of the same name now: nothing to do.
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> FailAsync(JobResource resource, ApiJobStatus status, string reason, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        status.Phase = JobPhase.Failed;
        status.CompletionTime ??= Normalize(now);
        status.SetCondition(Condition(FailedCondition, ConditionStatus.True, reason, message, resource), now);
        status.SetCondition(Condition(ProgressingCondition, ConditionStatus.False, reason, message, resource), now);
        await WriteStatusAsync(resource, status, reason, message, cancellationToken).ConfigureAwait(false);
        return await FinishedAsync(resource, status, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteStatusAsync(JobResource resource, ApiJobStatus status, string reason, string message, CancellationToken cancellationToken)
    {
        var previous = resource.ReadStatus().Phase;
        status.ObservedGeneration = resource.Metadata.Generation;
        var node = JobResource.WriteStatus(status);
        if (resource.Status is not null && JsonNode.DeepEquals(resource.Status, node))
        {
            return;
        }

        resource.Status = node;
        var written = await _context.JobClient(_kind).ReplaceStatusAsync(resource, _context.Options.FieldManager, cancellationToken).ConfigureAwait(false);
        if (previous != status.Phase)
        {
            written.ApiVersion ??= _kind.ApiVersion;
            written.Kind ??= _kind.Kind;
            _logger.LogInformation("{Kind} {Namespace}/{Name}: {From} -> {To} ({Reason}: {Message})", _kind.Kind, resource.Metadata.Namespace, resource.Metadata.Name, previous?.ToString() ?? "new", status.Phase, reason, message);
            var type = status.Phase == JobPhase.Failed ? EventRecorder.Warning : EventRecorder.Normal;
            await _context.Events.RecordAsync(written, type, reason, "Reconcile", $"{status.Phase}: {message}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> StillExistsAsync(JobResource resource, CancellationToken cancellationToken)
    {
        var live = await _context.JobClient(_kind).TryGetAsync(resource.Metadata.Name!, resource.Metadata.Namespace, cancellationToken).ConfigureAwait(false);
        return live is not null && live.Metadata.Uid == resource.Metadata.Uid && live.Metadata.DeletionTimestamp is null;
    }

    private (string? Waiting, string? Failure) ResolveDependencies(PostTrainJob job)
    {
        var waiting = new List<string>();
        foreach (var model in WorkloadRenderer.Models(job))
        {
            if (model.FromJob is not { } reference)
            {
                continue;
            }

            var kind = reference.Kind.ToString();
            var display = $"{kind}/{reference.Name}";
            if (!_scope.Jobs.TryGetValue(kind, out var informer) || informer.Cache.Get(job.Metadata.Namespace, reference.Name) is not { } dependency)
            {
                waiting.Add($"{display} does not exist yet");
                continue;
            }

            var status = dependency.ReadStatus();
            switch (status.Phase)
            {
                case JobPhase.Failed:
                    var why = status.FindCondition(FailedCondition) is { } c ? $"{c.Reason}: {c.Message}" : "failed";
                    return (null, $"{display} failed ({why})");
                case JobPhase.Succeeded when status.Checkpoint?.Uri is { Length: > 0 } uri:
                    model.Source = uri;
                    model.FromJob = null;
                    break;
                case JobPhase.Succeeded:
                    return (null, $"{display} succeeded without reporting a checkpoint");
                default:
                    waiting.Add($"{display} is {status.Phase?.ToString() ?? "not started"}");
                    break;
            }
        }

        return (waiting.Count > 0 ? "waiting for " + string.Join(", ", waiting) : null, null);
    }

    private async Task<BatchJob> SyncSuspendAsync(PostTrainJob job, BatchJob current, BatchJob desired, CancellationToken cancellationToken)
    {
        var spec = job.CommonSpec;
        var currentlySuspended = current.Spec.Suspend == true;
        var wantSuspended = spec.Suspend;
        var hasQueue = spec.Scheduling?.QueueName is { Length: > 0 };
        var changeSuspend = wantSuspended ? !currentlySuspended : currentlySuspended && !hasQueue;
        var schedulingChanged = currentlySuspended && !SameScheduling(current.Spec.Template.Spec, desired.Spec.Template.Spec);
        if (!changeSuspend && !schedulingChanged)
        {
            return current;
        }

        _logger.LogInformation("{Kind} {Namespace}/{Name}: batch Job suspend {From} -> {To}{Scheduling}", _kind.Kind, current.Metadata.Namespace, current.Metadata.Name, currentlySuspended, changeSuspend ? wantSuspended : currentlySuspended, schedulingChanged ? ", scheduling updated" : "");
        return await _context.Client.Jobs.UpdateAsync(
            current.Metadata.Name!,
            j =>
            {
                if (j.Spec.Suspend == true)
                {
                    // Scheduling directives of a suspended Job's pod template are mutable.
                    var from = desired.Spec.Template.Spec;
                    var to = j.Spec.Template.Spec;
                    to.NodeSelector = from.NodeSelector is null ? null : new(from.NodeSelector);
                    to.Tolerations = from.Tolerations?.DeepClone().AsArray();
                    to.Affinity = from.Affinity?.DeepClone().AsObject();
                }

                if (changeSuspend)
                {
                    j.Spec.Suspend = wantSuspended;
                }
            },
            current.Metadata.Namespace,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static bool SameScheduling(PodSpec a, PodSpec b) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a.NodeSelector, KubeJson.Options), JsonSerializer.SerializeToNode(b.NodeSelector, KubeJson.Options))
        && JsonNode.DeepEquals(a.Tolerations, b.Tolerations)
        && JsonNode.DeepEquals(a.Affinity, b.Affinity);

    private List<Pod> WorkerPods(JobResource resource) =>
        _scope.Pods.Cache.ByIndex(Indexer<Pod>.NamespaceIndex, resource.Metadata.Namespace ?? "")
            .Where(p => p.Metadata.Labels is { } l && l.GetValueOrDefault(ChildNames.KindLabel) == _kind.Kind && l.GetValueOrDefault(ChildNames.JobLabel) == resource.Metadata.Name)
            .ToList();

    /// <summary>The worker's result from a pod's terminated container state (or its last terminated state).</summary>
    internal static WorkerResult? TerminatedResult(Pod pod)
    {
        var worker = pod.Status?.ContainerStatuses?.Find(c => c.Name == ChildNames.WorkerContainer);
        var message = Message(worker?.State) ?? Message(worker?.LastState);
        return WorkerResult.TryParse(message);

        static string? Message(JsonObject? state) =>
            state?["terminated"]?["message"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
    }

    private static int Index(Pod pod) =>
        pod.Metadata.Annotations?.GetValueOrDefault(ChildNames.CompletionIndexAnnotation) is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : 0;

    private static void ApplyProgress(ApiJobStatus status, WorkerStatus worker, DateTimeOffset now)
    {
        if (worker.Progress is { } p)
        {
            status.Progress = new ProgressStatus
            {
                Step = Math.Max(0, p.Step),
                TotalSteps = p.TotalSteps,
                Percent = p.Percent is { } percent ? Math.Clamp(percent, 0, 100) : p.TotalSteps is > 0 ? Math.Round(100.0 * p.Step / p.TotalSteps.Value, 1) : null,
                Eta = p.Eta,
                LastUpdateTime = Normalize(p.LastUpdateTime ?? now),
                Metrics = p.Metrics,
            };
        }

        MergeCheckpoint(status, worker.Checkpoint);
    }

    private static void MergeCheckpoint(ApiJobStatus status, WorkerCheckpoint? checkpoint)
    {
        if (checkpoint?.Uri is { Length: > 0 } uri && (status.Checkpoint is null || checkpoint.Step >= status.Checkpoint.Step))
        {
            status.Checkpoint = new CheckpointStatus { Uri = uri, Step = Math.Max(0, checkpoint.Step) };
        }
    }

    private static bool HasCondition(BatchJob job, string type) =>
        job.Status?.Conditions?.Exists(c => c.Type == type && c.Status == "True") == true;

    private static Api.Status.Condition Condition(string type, ConditionStatus state, string reason, string message, JobResource resource) => new()
    {
        Type = type,
        Status = state,
        Reason = reason,
        Message = message.Length > 32768 ? message[..32768] : message,
        ObservedGeneration = resource.Metadata.Generation,
    };

    /// <summary>A reason fit for metav1.Condition (letters first, then letters, digits, '_', ',', ':'), or null.</summary>
    internal static string? ConditionReason(string? reason)
    {
        if (string.IsNullOrEmpty(reason))
        {
            return null;
        }

        var kept = new string(reason.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ',' or ':').ToArray()).TrimEnd(',', ':').TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '_', ',', ':');
        return kept.Length == 0 ? null : kept.Length > 1024 ? kept[..1024] : kept;
    }

    private static DateTimeOffset Normalize(DateTimeOffset time) => Api.Serialization.KubeTimeConverter.Normalize(time);

    private static JobResource Clone(JobResource resource) =>
        JsonSerializer.Deserialize<JobResource>(JsonSerializer.Serialize(resource, KubeJson.Options), KubeJson.Options)!;

    private async Task<T> EnsureCreatedAsync<T>(ResourceClient<T> client, T desired, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        try
        {
            var created = await client.CreateAsync(desired, _context.Options.FieldManager, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("{Kind} {Namespace}/{Name}: created {ChildKind} {Child}", _kind.Kind, desired.Metadata.Namespace, OwnerReferences.GetController(desired)?.Name, desired.Kind, desired.Metadata.Name);
            return created;
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            return await client.GetAsync(desired.Metadata.Name!, desired.Metadata.Namespace, cancellationToken).ConfigureAwait(false);
        }
    }
}
