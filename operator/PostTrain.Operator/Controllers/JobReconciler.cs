using System.Text.Json;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Api.Validation;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Reconciles one PostTrain kind (the same code serves SftJob, RlvrJob and EvalJob): validates the spec, waits for
/// and resolves <c>fromJob</c> dependencies (<see cref="DependencyResolver"/>), creates the ConfigMap, headless
/// Service, egress NetworkPolicy (jobs whose rewards run code) and batch Job when absent and keeps <c>suspend</c>
/// in step (<see cref="ChildSync"/>), reports edits that cannot reach the workload (<see cref="SpecDrift"/>,
/// <see cref="SpecAppliedReporter"/>), derives the status (phase, conditions, progress, checkpoint, result) from the
/// batch Job, the pods' termination messages and the running worker's /status (<see cref="StatusDerivation"/>), and
/// deletes finished jobs after <c>ttlSecondsAfterFinished</c> (<see cref="TtlCleanup"/>).
/// </summary>
public sealed class JobReconciler : IReconciler
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly NamespaceScope _scope;
    private readonly ChildSync _children;
    private readonly SpecAppliedReporter _specApplied;
    private readonly WorkerFailureReporter _workerFailures;
    private readonly JobStatusWriter _statusWriter;
    private readonly TtlCleanup _ttl;

    /// <summary>Creates the reconciler for <paramref name="kind"/> in one watched <paramref name="scope"/>.</summary>
    public JobReconciler(ResourceDescriptor kind, OperatorContext context, NamespaceScope scope)
    {
        _kind = kind;
        _context = context;
        _scope = scope;
        var logger = context.Loggers.CreateLogger("PostTrain.Operator." + kind.Kind);
        _children = new ChildSync(kind, context, scope, logger);
        _specApplied = new SpecAppliedReporter(kind, context, logger);
        _workerFailures = new WorkerFailureReporter(kind, context, logger);
        _statusWriter = new JobStatusWriter(kind, context, logger);
        _ttl = new TtlCleanup(kind, context, logger);
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
        var generation = resource.Metadata.Generation;

        if (status.Phase == JobPhase.Failed && status.FindCondition(ConditionTypes.Failed)?.Reason == ConditionReasons.InvalidSpec && status.ObservedGeneration != generation)
        {
            // The spec was edited after it was rejected: start over.
            status = new ApiJobStatus();
        }

        if (status.Phase is JobPhase.Succeeded or JobPhase.Failed)
        {
            return await _ttl.CleanUpAsync(resource, status, now, cancellationToken).ConfigureAwait(false);
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

        var (existing, legacy) = _children.FindBatchJob(resource);
        var dependencies = DependencyResolver.Resolve(job, (kind, name) => _scope.Jobs.TryGetValue(kind, out var informer) ? informer.Cache.Get(job.Metadata.Namespace, name) : null);
        if (existing is null)
        {
            // Dependencies gate only the creation of the children: a running job whose dependency is deleted later
            // (e.g. by its TTL) keeps running.
            if (dependencies.Failure is { } failure)
            {
                status.SetCondition(StatusDerivation.Condition(ConditionTypes.DependenciesReady, ConditionStatus.False, ConditionReasons.DependencyFailed, failure, generation), now);
                return await FailAsync(resource, status, ConditionReasons.DependencyFailed, failure, now, cancellationToken).ConfigureAwait(false);
            }

            if (dependencies.Waiting is { } waiting)
            {
                status.Phase = JobPhase.WaitingForDependency;
                status.SetCondition(StatusDerivation.Condition(ConditionTypes.DependenciesReady, ConditionStatus.False, ConditionReasons.WaitingForDependency, waiting, generation), now);
                status.SetCondition(StatusDerivation.Condition(ConditionTypes.Progressing, ConditionStatus.False, ConditionReasons.WaitingForDependency, waiting, generation), now);
                await _statusWriter.WriteAsync(resource, status, ConditionReasons.WaitingForDependency, waiting, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(_context.Options.DependencyPollInterval);
            }

            if (job.JobReferences().Any())
            {
                status.SetCondition(StatusDerivation.Condition(ConditionTypes.DependenciesReady, ConditionStatus.True, ConditionReasons.DependenciesSucceeded, "every fromJob dependency succeeded", generation), now);
            }
        }

        var workload = _context.Renderer.Render(job, resource);
        var config = _children.FindConfig(resource, workload, legacy);
        var batch = existing;
        if (batch is null || (config is null && !legacy))
        {
            // About to create. A job whose children existed before (its phase says so) and are gone now may have
            // been deleted with them while this cache lags: check it still exists, so a deleted job's children are
            // never recreated. A new job needs no such check (children created for a job deleted meanwhile carry
            // a dangling owner reference, which the garbage collector removes), nor do the jobs this operator
            // deleted itself (remembered).
            if (status.Phase is JobPhase.Pending or JobPhase.Running or JobPhase.Suspended && !await _children.StillExistsAsync(resource, cancellationToken).ConfigureAwait(false))
            {
                return ReconcileResult.Done;
            }

            (batch, config) = await _children.CreateMissingAsync(workload, batch, config, cancellationToken).ConfigureAwait(false);
        }

        if (!OwnerReferences.IsControlledBy(batch, resource))
        {
            var message = $"batch Job {batch.Metadata.Name} exists and belongs to someone else (delete it, or rename this {_kind.Kind})";
            return await FailAsync(resource, status, ConditionReasons.ChildConflict, message, now, cancellationToken).ConfigureAwait(false);
        }

        // Compare job.json only when the dependencies resolve as they did when the children were created.
        var drift = dependencies.IsResolved && config is { Data: { } data } && data.TryGetValue("job.json", out var currentJson)
            ? SpecDrift.ChangedFields(currentJson, workload.Config.Data!["job.json"])
            : [];
        batch = await _children.SyncBatchJobAsync(job, batch, workload.Job, cancellationToken).ConfigureAwait(false);
        await _children.SyncConfigAsync(config, workload.Config, drift, batch, workload.Job, cancellationToken).ConfigureAwait(false);
        await _specApplied.ReportAsync(resource, status, drift, batch, workload.Job, now, cancellationToken).ConfigureAwait(false);
        return await UpdateFromWorkloadAsync(resource, job, status, batch, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An invalid spec fails a job that has no workload yet. A job whose workload runs keeps running it: the edit
    /// that made the spec invalid is reported (SpecApplied False, reason InvalidSpec) and the status keeps
    /// following the workload, read with the spec it was created from (its job.json).
    /// </summary>
    private async Task<ReconcileResult> InvalidSpecAsync(JobResource resource, ApiJobStatus status, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (batch, config) = _children.FindRunning(resource);
        PostTrainJob? running = null;
        if (batch is not null && OwnerReferences.IsControlledBy(batch, resource) && config?.Data?.TryGetValue("job.json", out var json) == true)
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
            return await FailAsync(resource, status, ConditionReasons.InvalidSpec, message, now, cancellationToken).ConfigureAwait(false);
        }

        await _specApplied.ReportInvalidEditAsync(resource, status, message, now, cancellationToken).ConfigureAwait(false);
        return await UpdateFromWorkloadAsync(resource, running, status, batch, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> UpdateFromWorkloadAsync(JobResource resource, PostTrainJob job, ApiJobStatus status, BatchJob batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = _children.WorkerPods(resource);
        var failures = WorkerFailures.From(pods);
        var observed = new WorkloadObservation(job, batch, pods, failures, Worker: null);
        await _workerFailures.ReportNewAsync(resource, failures, observed.MultiNode, cancellationToken).ConfigureAwait(false);
        if (StatusDerivation.ProgressSource(batch, pods) is { } leader)
        {
            observed = observed with { Worker = await _context.Workers.GetStatusAsync(leader.Status!.PodIP!, ChildNames.WorkerPort, cancellationToken).ConfigureAwait(false) };
        }

        var derived = StatusDerivation.Derive(status, observed, resource.Metadata.Generation, now, _context.Options.ResultGracePeriod);
        if (derived.Next == StatusNext.AwaitResult)
        {
            return ReconcileResult.RequeueAfter(_context.Options.ProgressPollInterval);
        }

        await _statusWriter.WriteAsync(resource, status, derived.Reason, derived.Message, cancellationToken).ConfigureAwait(false);
        return derived.Next switch
        {
            StatusNext.WriteFinished => await _ttl.CleanUpAsync(resource, status, now, cancellationToken).ConfigureAwait(false),
            StatusNext.WriteAndPoll => ReconcileResult.RequeueAfter(_context.Options.ProgressPollInterval),
            _ => ReconcileResult.Done,
        };
    }

    private async Task<ReconcileResult> FailAsync(JobResource resource, ApiJobStatus status, string reason, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        StatusDerivation.MarkFailed(status, reason, message, resource.Metadata.Generation, now);
        await _statusWriter.WriteAsync(resource, status, reason, message, cancellationToken).ConfigureAwait(false);
        return await _ttl.CleanUpAsync(resource, status, now, cancellationToken).ConfigureAwait(false);
    }

    private static JobResource Clone(JobResource resource) =>
        JsonSerializer.Deserialize<JobResource>(JsonSerializer.Serialize(resource, KubeJson.Options), KubeJson.Options)!;
}
