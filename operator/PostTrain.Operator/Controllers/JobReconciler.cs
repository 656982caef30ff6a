using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Api.Validation;
using PostTrain.Api.Worker;
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
/// and resolves <c>fromJob</c> dependencies, creates the ConfigMap, headless Service, egress NetworkPolicy (jobs whose
/// rewards run code) and batch Job when absent,
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

    /// <summary>
    /// Condition: the children carry the current spec (True), or which edited fields they do not, and why (False,
    /// reason <c>SpecChangeIgnored</c>).
    /// </summary>
    public const string SpecAppliedCondition = "SpecApplied";

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
            return await InvalidSpecAsync(resource, status, e.Message, now, cancellationToken).ConfigureAwait(false);
        }

        // The status is the operator's own; only the spec and metadata are the user's to get wrong.
        job.Status = null;
        var errors = JobValidator.Validate(job);
        if (errors.Count > 0)
        {
            var message = string.Join("; ", errors.Take(8).Select(e => e.ToString())) + (errors.Count > 8 ? $" (and {errors.Count - 8} more)" : "");
            return await InvalidSpecAsync(resource, status, message, now, cancellationToken).ConfigureAwait(false);
        }

        var namespaceName = resource.Metadata.Namespace;
        var batchName = ChildNames.BatchJob(resource.Metadata.Name!, _kind.Kind);
        var existing = CachedOrCreated(_scope.BatchJobs, namespaceName, batchName);
        var legacy = false;
        if (existing is null && LegacyChild(_scope.BatchJobs, resource, resource.Metadata.Name!) is { } adopted)
        {
            // Created by an operator version that named children without the kind: keep using them.
            existing = adopted;
            legacy = true;
        }

        var dependencies = ResolveDependencies(job);
        if (existing is null)
        {
            // Dependencies gate only the creation of the children: a running job whose dependency is deleted later
            // (e.g. by its TTL) keeps running.
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
        }

        if (job.JobReferences().Any() && existing is null)
        {
            status.SetCondition(Condition(DependenciesReadyCondition, ConditionStatus.True, "DependenciesSucceeded", "every fromJob dependency succeeded", resource), now);
        }

        var workload = _context.Renderer.Render(job, resource);
        var config = legacy
            ? LegacyChild(_scope.ConfigMaps, resource, resource.Metadata.Name + "-config")
            : CachedOrCreated(_scope.ConfigMaps, namespaceName, workload.Config.Metadata.Name);
        var batch = existing;
        if (batch is null || (config is null && !legacy))
        {
            // About to create. A job whose children existed before (its phase says so) and are gone now may have
            // been deleted with them while this cache lags: check it still exists, so a deleted job's children are
            // never recreated. A new job needs no such check (children created for a job deleted meanwhile carry
            // a dangling owner reference, which the garbage collector removes), nor do the jobs this operator
            // deleted itself (remembered).
            if (status.Phase is JobPhase.Pending or JobPhase.Running or JobPhase.Suspended && !await StillExistsAsync(resource, cancellationToken).ConfigureAwait(false))
            {
                return ReconcileResult.Done;
            }

            config ??= await EnsureCreatedAsync(_context.Client.ConfigMaps, workload.Config, needObject: false, cancellationToken).ConfigureAwait(false);
            if (workload.Service is { } service)
            {
                await EnsureCreatedAsync(_context.Client.Services, service, needObject: false, cancellationToken).ConfigureAwait(false);
            }

            if (workload.NetworkPolicy is { } policy)
            {
                await EnsureCreatedAsync(_context.Client.NetworkPolicies, policy, needObject: false, cancellationToken).ConfigureAwait(false);
            }

            batch ??= (await EnsureCreatedAsync(_context.Client.Jobs, workload.Job, needObject: true, cancellationToken).ConfigureAwait(false))!;
        }

        if (!OwnerReferences.IsControlledBy(batch, resource))
        {
            var message = $"batch Job {batch.Metadata.Name} exists and belongs to someone else (delete it, or rename this {_kind.Kind})";
            return await FailAsync(resource, status, "ChildConflict", message, now, cancellationToken).ConfigureAwait(false);
        }

        // Compare job.json only when the dependencies resolve as they did when the children were created.
        var drift = dependencies.Waiting is null && dependencies.Failure is null && config is { Data: { } data } && data.TryGetValue("job.json", out var currentJson)
            ? SpecDrift.ChangedFields(currentJson, workload.Config.Data!["job.json"])
            : [];
        batch = await SyncBatchJobAsync(job, batch, workload.Job, cancellationToken).ConfigureAwait(false);
        await SyncConfigAsync(config, workload.Config, drift, batch, workload.Job, cancellationToken).ConfigureAwait(false);
        await SetSpecAppliedAsync(resource, status, drift, batch, workload.Job, now, cancellationToken).ConfigureAwait(false);
        return await UpdateFromWorkloadAsync(resource, job, status, batch, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An invalid spec fails a job that has no workload yet. A job whose workload runs keeps running it: the edit
    /// that made the spec invalid is reported (SpecApplied False, reason InvalidSpec) and the status keeps
    /// following the workload, read with the spec it was created from (its job.json).
    /// </summary>
    private async Task<ReconcileResult> InvalidSpecAsync(JobResource resource, ApiJobStatus status, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ns = resource.Metadata.Namespace;
        var batch = CachedOrCreated(_scope.BatchJobs, ns, ChildNames.BatchJob(resource.Metadata.Name!, _kind.Kind));
        var config = CachedOrCreated(_scope.ConfigMaps, ns, ChildNames.ConfigMap(resource.Metadata.Name!, _kind.Kind));
        if (batch is null && LegacyChild(_scope.BatchJobs, resource, resource.Metadata.Name!) is { } legacy)
        {
            batch = legacy;
            config = LegacyChild(_scope.ConfigMaps, resource, resource.Metadata.Name + "-config");
        }

        PostTrainJob? running = null;
        if (batch is not null && OwnerReferences.IsControlledBy(batch, resource) && config?.Data?.GetValueOrDefault("job.json") is { } json)
        {
            try
            {
                running = JobJson.Deserialize(json);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                running = null;
            }
        }

        if (running is null || batch is null)
        {
            return await FailAsync(resource, status, "InvalidSpec", message, now, cancellationToken).ConfigureAwait(false);
        }

        var note = $"the edited spec is invalid and was not applied (the workload keeps running the previous spec): {message}";
        var previous = status.FindCondition(SpecAppliedCondition) is { } c ? (c.Reason, c.Message) : default;
        status.SetCondition(Condition(SpecAppliedCondition, ConditionStatus.False, "InvalidSpec", note, resource), now);
        if (previous.Reason != "InvalidSpec" || previous.Message != note)
        {
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Message}", _kind.Kind, ns, resource.Metadata.Name, note);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, "InvalidSpec", "Reconcile", note, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return await UpdateFromWorkloadAsync(resource, running, status, batch, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> UpdateFromWorkloadAsync(JobResource resource, PostTrainJob job, ApiJobStatus status, BatchJob batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = WorkerPods(resource);
        var multiNode = job.CommonSpec.Resources.Nodes > 1;
        var failures = WorkerFailures.From(pods);
        await ReportNewFailuresAsync(resource, failures, multiNode, cancellationToken).ConfigureAwait(false);
        var results = pods
            .Select(p => (Pod: p, Result: WorkerResults.FromPod(p)))
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
            // The result (metrics, table, final checkpoint) is rank 0's: the rank that evaluates and saves.
            var result = results.Where(r => r.Result.Phase == WorkerPhases.Succeeded && (!multiNode || WorkerFailures.Rank(r.Pod) == 0)).OrderBy(r => WorkerFailures.Rank(r.Pod)).Select(r => r.Result).FirstOrDefault();
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

            FinalProgress(status, result, now);

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
            // A failure of any rank fails the job: name the rank(s) and what the worker said.
            reason = ConditionReason(failed.Reason) ?? "JobFailed";
            message = WorkerFailures.Summarize(failures, multiNode) ?? failed.Message ?? "the batch Job failed";
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
            var running = pods.Where(p => p.Status?.Phase == "Running").ToList();
            if ((batch.Status?.Active ?? 0) > 0 || running.Count > 0)
            {
                status.Phase = JobPhase.Running;
                status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
                reason = "Running";
                // Progress comes from rank 0, the rank that logs, evaluates and writes checkpoints.
                var leader = running.FirstOrDefault(p => WorkerFailures.Rank(p) == 0 && p.Status?.PodIP is { Length: > 0 });
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
                if (multiNode && failures.Count > 0)
                {
                    message += $"; {failures[^1].Describe()}";
                }

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
        var before = resource.Metadata.ResourceVersion;
        var inFlight = _context.StatusWrites.AlreadyWritten(resource.Metadata.Uid, before, node);
        if (resource.Status is not null && JsonNode.DeepEquals(resource.Status, node))
        {
            return;
        }

        if (inFlight)
        {
            // Written by an earlier reconcile; the cache has not caught up (writing again would be a 409).
            return;
        }

        resource.Status = node;
        var written = await _context.JobClient(_kind).ReplaceStatusAsync(resource, _context.Options.FieldManager, cancellationToken).ConfigureAwait(false);
        _context.StatusWrites.Record(resource.Metadata.Uid, before, written.Metadata.ResourceVersion, node);
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
                    // A status recorded from an older worker may hold a pod-local path: chain its pvc:// form.
                    model.Source = CheckpointLocations.Normalize(uri);
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

    private async Task<BatchJob> SyncBatchJobAsync(PostTrainJob job, BatchJob current, BatchJob desired, CancellationToken cancellationToken)
    {
        var spec = job.CommonSpec;
        var ns = current.Metadata.Namespace;
        var name = current.Metadata.Name!;
        var suspended = current.Spec.Suspend == true;
        var hasQueue = spec.Scheduling?.QueueName is { Length: > 0 };
        var changeSuspend = spec.Suspend ? !suspended : suspended && !hasQueue;
        var changeLimits = current.Spec.BackoffLimit != desired.Spec.BackoffLimit || current.Spec.ActiveDeadlineSeconds != desired.Spec.ActiveDeadlineSeconds;
        var changeScheduling = suspended && !SameScheduling(current, desired);
        if (changeScheduling && current.Status?.StartTime is not null)
        {
            if ((current.Status.Active ?? 0) > 0)
            {
                // Suspended, but its pods are still terminating: the Job's update (active 0) brings us back.
                changeScheduling = false;
            }
            else
            {
                // Kubernetes lets the pod template's scheduling directives change only while the Job is suspended and
                // has not started (status.startTime unset); a Job suspended after it ran keeps its startTime. Clear
                // it, as Kueue and JobSet do (the Job controller sets it again when the Job resumes).
                _logger.LogInformation("{Kind} {Namespace}/{Name}: clearing the suspended batch Job's startTime to update its scheduling", _kind.Kind, ns, name);
                current = await _context.Client.Jobs.UpdateAsync(
                    name,
                    j =>
                    {
                        if (j.Spec.Suspend == true && j.Status is { Active: null or 0 } status)
                        {
                            status.StartTime = null;
                        }
                    },
                    ns,
                    status: true,
                    cancellationToken).ConfigureAwait(false);
                changeScheduling = current.Status?.StartTime is null;
            }
        }

        if (!changeSuspend && !changeLimits && !changeScheduling)
        {
            return current;
        }

        _logger.LogInformation(
            "{Kind} {Namespace}/{Name}: updating the batch Job (suspend {From} -> {To}{Limits}{Scheduling})",
            _kind.Kind,
            ns,
            name,
            suspended,
            changeSuspend ? spec.Suspend : suspended,
            changeLimits ? ", backoffLimit/activeDeadlineSeconds" : "",
            changeScheduling ? ", scheduling" : "");
        return await _context.Client.Jobs.UpdateAsync(
            name,
            j =>
            {
                if (changeScheduling && j.Spec.Suspend == true && j.Status?.StartTime is null)
                {
                    ApplyScheduling(j, desired);
                }

                j.Spec.BackoffLimit = desired.Spec.BackoffLimit;
                j.Spec.ActiveDeadlineSeconds = desired.Spec.ActiveDeadlineSeconds;
                if (changeSuspend)
                {
                    j.Spec.Suspend = spec.Suspend;
                }
            },
            ns,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the scheduling directives Kubernetes lets a suspended Job change, and the Kueue queue label.</summary>
    private static void ApplyScheduling(BatchJob target, BatchJob desired)
    {
        var from = desired.Spec.Template.Spec;
        var to = target.Spec.Template.Spec;
        to.NodeSelector = from.NodeSelector is { Count: > 0 } selector ? new(selector) : null;
        to.Tolerations = from.Tolerations?.DeepClone().AsArray();
        var affinity = to.Affinity?.DeepClone().AsObject() ?? [];
        affinity.Remove("nodeAffinity");
        if (from.Affinity?["nodeAffinity"] is { } nodeAffinity)
        {
            affinity["nodeAffinity"] = nodeAffinity.DeepClone();
        }

        to.Affinity = affinity.Count > 0 ? affinity : null;
        var queue = desired.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel);
        target.Metadata.Labels ??= [];
        if (queue is null)
        {
            target.Metadata.Labels.Remove(ChildNames.QueueLabel);
        }
        else
        {
            target.Metadata.Labels[ChildNames.QueueLabel] = queue;
        }
    }

    /// <summary>Whether the batch Job carries the desired scheduling directives that may change while suspended.</summary>
    private static bool SameScheduling(BatchJob current, BatchJob desired)
    {
        var a = current.Spec.Template.Spec;
        var b = desired.Spec.Template.Spec;
        return JsonNode.DeepEquals(Selector(a.NodeSelector), Selector(b.NodeSelector))
            && JsonNode.DeepEquals(a.Tolerations is { Count: > 0 } ta ? ta : null, b.Tolerations is { Count: > 0 } tb ? tb : null)
            && JsonNode.DeepEquals(a.Affinity?["nodeAffinity"], b.Affinity?["nodeAffinity"])
            && current.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel) == desired.Metadata.Labels?.GetValueOrDefault(ChildNames.QueueLabel);

        static JsonNode? Selector(Dictionary<string, string>? selector) =>
            selector is { Count: > 0 } ? JsonSerializer.SerializeToNode(selector, KubeJson.Options) : null;
    }

    /// <summary>The edited fields that did not reach the children: (field, why) for each.</summary>
    private static List<(string Field, FieldMutability Mutability)> Ignored(IReadOnlyList<string> drift, BatchJob batch, BatchJob desired)
    {
        var schedulingApplied = SameScheduling(batch, desired);
        return drift
            .Select(f => (Field: f, Mutability: SpecDrift.Mutability(f)))
            .Where(f => f.Mutability == FieldMutability.Never || (f.Mutability == FieldMutability.WhileSuspended && !schedulingApplied))
            .ToList();
    }

    private async Task SyncConfigAsync(ConfigMap? config, ConfigMap desired, IReadOnlyList<string> drift, BatchJob batch, BatchJob desiredJob, CancellationToken cancellationToken)
    {
        if (config is null || drift.Count == 0 || Ignored(drift, batch, desiredJob).Count > 0)
        {
            // Unchanged, or some edit cannot reach the workload: job.json keeps describing what actually runs.
            return;
        }

        // Every edit reached the batch Job (or concerns only the operator): job.json follows, so a retried pod and
        // a reader of the ConfigMap see the spec in effect.
        var json = desired.Data!["job.json"];
        var updated = await _context.Client.ConfigMaps.UpdateAsync(config.Metadata.Name!, c => (c.Data ??= [])["job.json"] = json, config.Metadata.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        _context.Expectations.Created(updated);
    }

    private async Task SetSpecAppliedAsync(JobResource resource, ApiJobStatus status, IReadOnlyList<string> drift, BatchJob batch, BatchJob desiredJob, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ignored = Ignored(drift, batch, desiredJob);
        if (ignored.Count == 0)
        {
            status.SetCondition(Condition(SpecAppliedCondition, ConditionStatus.True, "Applied", "the workload runs the current spec", resource), now);
            return;
        }

        var parts = new List<string>();
        if (ignored.Where(f => f.Mutability == FieldMutability.Never).Select(f => f.Field).ToList() is { Count: > 0 } never)
        {
            parts.Add($"{string.Join(", ", never)} cannot change once the job's workload exists (delete and re-create the job to change them)");
        }

        if (ignored.Where(f => f.Mutability == FieldMutability.WhileSuspended).Select(f => f.Field).ToList() is { Count: > 0 } scheduling)
        {
            parts.Add($"{string.Join(", ", scheduling)} can change only while the job is suspended (applied when it is next suspended)");
        }

        var message = "ignored: " + string.Join("; ", parts);
        // SetCondition updates the condition in place: read what it said before.
        var previous = status.FindCondition(SpecAppliedCondition) is { } c ? (c.Status, c.Message) : default;
        status.SetCondition(Condition(SpecAppliedCondition, ConditionStatus.False, "SpecChangeIgnored", message, resource), now);
        if (previous.Status != ConditionStatus.False || previous.Message != message)
        {
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Message}", _kind.Kind, resource.Metadata.Namespace, resource.Metadata.Name, message);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, "SpecChangeIgnored", "Reconcile", message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private List<Pod> WorkerPods(JobResource resource) =>
        _scope.Pods.Cache.ByIndex(Indexer<Pod>.NamespaceIndex, resource.Metadata.Namespace ?? "")
            .Where(p => p.Metadata.Labels is { } l && l.GetValueOrDefault(ChildNames.KindLabel) == _kind.Kind && l.GetValueOrDefault(ChildNames.JobLabel) == resource.Metadata.Name)
            .ToList();

    private async Task ReportNewFailuresAsync(JobResource resource, IReadOnlyList<WorkerFailure> failures, bool multiNode, CancellationToken cancellationToken)
    {
        foreach (var failure in failures)
        {
            if (!_context.FirstReport(failure.PodUid ?? failure.Pod))
            {
                continue;
            }

            var note = multiNode ? failure.Describe() : $"pod {failure.Pod} failed with exit code {failure.ExitCode}" + (failure.Message is { Length: > 0 } m ? ": " + m : "");
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Note}", _kind.Kind, resource.Metadata.Namespace, resource.Metadata.Name, note);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, "WorkerFailed", "Reconcile", note, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

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

    /// <summary>
    /// A finished job's progress ends at its result: the final figures (the last poll may be many steps old, or a short
    /// job may end before the first poll), and the steps the result counts.
    /// </summary>
    private static void FinalProgress(ApiJobStatus status, WorkerResult? result, DateTimeOffset now)
    {
        if (result?.Metrics is not { Count: > 0 } metrics)
        {
            return;
        }

        var steps = metrics.TryGetValue("steps", out var s) && s >= 0 ? (long)s : (long?)null;
        if (status.Progress is null && steps is null)
        {
            return;
        }

        var progress = status.Progress ??= new ProgressStatus { Step = steps ?? 0, TotalSteps = steps, Percent = 100, Eta = "0s" };
        progress.Step = Math.Max(progress.Step, steps ?? 0);
        progress.LastUpdateTime = Normalize(now);
        progress.Metrics = new Dictionary<string, double>(progress.Metrics ?? []);
        foreach (var (name, value) in metrics)
        {
            progress.Metrics[name] = value;
        }
    }

    private static void MergeCheckpoint(ApiJobStatus status, WorkerCheckpoint? checkpoint)
    {
        if (checkpoint?.Uri is { Length: > 0 } uri && (status.Checkpoint is null || checkpoint.Step >= status.Checkpoint.Step))
        {
            status.Checkpoint = new CheckpointStatus { Uri = CheckpointLocations.Normalize(uri), Step = Math.Max(0, checkpoint.Step) };
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

    private async Task<T?> EnsureCreatedAsync<T>(ResourceClient<T> client, T desired, bool needObject, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        try
        {
            var created = await client.CreateAsync(desired, _context.Options.FieldManager, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("{Kind} {Namespace}/{Name}: created {ChildKind} {Child}", _kind.Kind, desired.Metadata.Namespace, OwnerReferences.GetController(desired)?.Name, desired.Kind, desired.Metadata.Name);
            _context.Expectations.Created(created);
            return created;
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            // Created before (by an earlier reconcile or replica) and not in the cache yet. Only the batch Job is
            // needed (its owner and status); the others are fine as they are.
            if (!needObject)
            {
                return null;
            }

            var found = await client.GetAsync(desired.Metadata.Name!, desired.Metadata.Namespace, cancellationToken).ConfigureAwait(false);
            _context.Expectations.Created(found);
            return found;
        }
    }

    /// <summary>A child under its name from before names carried the kind (<c>NAME</c>, <c>NAME-config</c>), when this job controls it.</summary>
    private static T? LegacyChild<T>(Informer<T> informer, JobResource owner, string name)
        where T : class, IKubernetesObject =>
        informer.Cache.Get(owner.Metadata.Namespace, name) is { } child && OwnerReferences.IsControlledBy(child, owner) ? child : null;

    private T? CachedOrCreated<T>(Informer<T> informer, string? ns, string? name)
        where T : class, IKubernetesObject
    {
        if (informer.Cache.Get(ns, name!) is { } cached)
        {
            _context.Expectations.Observed<T>(ns, name);
            return cached;
        }

        return _context.Expectations.Get<T>(ns, name);
    }
}
