using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Workers;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Derives a job's status (phase, conditions, progress, checkpoint, result) from what its workload shows: the batch
/// Job's conditions and counts, the pods' phases and termination messages, and the leading worker's /status. Pure:
/// it edits the status it is given and says what to do next (<see cref="DerivedStatus"/>); reading the worker and
/// writing the status are the reconciler's.
/// </summary>
internal static class StatusDerivation
{
    /// <summary>The longest condition message metav1.Condition allows.</summary>
    private const int MaxMessageLength = 32768;

    /// <summary>Where the workload stands, as the batch Job and its pods show it (checked in this order).</summary>
    private enum WorkloadState
    {
        Complete,
        Failed,
        Suspended,
        Running,
        Pending,
    }

    /// <summary>
    /// The pod whose /status gives the progress: the running rank 0 (the rank that logs, evaluates and writes
    /// checkpoints) with an IP, when the workload runs; null otherwise.
    /// </summary>
    public static V1Pod? ProgressSource(BatchJob batch, IReadOnlyList<V1Pod> pods) =>
        State(batch, pods) == WorkloadState.Running
            ? RunningPods(pods).FirstOrDefault(p => WorkerFailures.Rank(p) == 0 && p.Status?.PodIP is { Length: > 0 })
            : null;

    /// <summary>Updates <paramref name="status"/> from <paramref name="observed"/> and says what to do next.</summary>
    /// <param name="status">The status; edited.</param>
    /// <param name="observed">The workload.</param>
    /// <param name="generation">The job's metadata.generation (the conditions' observedGeneration).</param>
    /// <param name="now">The time.</param>
    /// <param name="resultGracePeriod">How long after the batch Job completed to wait for rank 0's result.</param>
    public static DerivedStatus Derive(ApiJobStatus status, WorkloadObservation observed, long? generation, DateTimeOffset now, TimeSpan resultGracePeriod)
    {
        var (batch, pods) = (observed.Batch, observed.Pods);
        var results = pods
            .Select(p => (Pod: p, Result: WorkerResults.FromPod(p)))
            .Where(r => r.Result is not null)
            .Select(r => (r.Pod, Result: r.Result!))
            .ToList();
        foreach (var (_, result) in results)
        {
            MergeCheckpoint(status, result.Checkpoint);
        }

        return State(batch, pods) switch
        {
            WorkloadState.Complete => Complete(status, observed, results, generation, now, resultGracePeriod),
            WorkloadState.Failed => Failed(status, observed, generation, now),
            WorkloadState.Suspended => Suspended(status, observed.Job, generation, now),
            WorkloadState.Running => Running(status, observed, generation, now),
            _ => Pending(status, generation, now),
        };
    }

    /// <summary>Marks the job failed: phase, completion time, Failed True and Progressing False with <paramref name="reason"/>.</summary>
    public static void MarkFailed(ApiJobStatus status, string reason, string message, long? generation, DateTimeOffset now)
    {
        status.Phase = JobPhase.Failed;
        status.CompletionTime ??= Normalize(now);
        status.SetCondition(Condition(ConditionTypes.Failed, ConditionStatus.True, reason, message, generation), now);
        status.SetCondition(Condition(ConditionTypes.Progressing, ConditionStatus.False, reason, message, generation), now);
    }

    /// <summary>A condition of the job at <paramref name="generation"/>, its message cut to the length metav1.Condition allows.</summary>
    public static Api.Status.Condition Condition(string type, ConditionStatus state, string reason, string message, long? generation) => new()
    {
        Type = type,
        Status = state,
        Reason = reason,
        Message = message.Length > MaxMessageLength ? message[..MaxMessageLength] : message,
        ObservedGeneration = generation,
    };

    /// <summary>A reason fit for metav1.Condition (letters first, then letters, digits, '_', ',', ':'), or null.</summary>
    public static string? ConditionReason(string? reason)
    {
        if (string.IsNullOrEmpty(reason))
        {
            return null;
        }

        var kept = new string(reason.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ',' or ':').ToArray()).TrimEnd(',', ':').TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '_', ',', ':');
        return kept.Length == 0 ? null : kept.Length > 1024 ? kept[..1024] : kept;
    }

    private static DerivedStatus Complete(ApiJobStatus status, WorkloadObservation observed, List<(V1Pod Pod, WorkerResult Result)> results, long? generation, DateTimeOffset now, TimeSpan resultGracePeriod)
    {
        var batch = observed.Batch;

        // The result (metrics, table, final checkpoint) is rank 0's: the rank that evaluates and saves.
        var result = results.Where(r => r.Result.Phase == WorkerPhases.Succeeded && (!observed.MultiNode || WorkerFailures.Rank(r.Pod) == 0)).OrderBy(r => WorkerFailures.Rank(r.Pod)).Select(r => r.Result).FirstOrDefault();
        var completedAt = batch.Status?.CompletionTime ?? now;
        if (result is null && now - completedAt < resultGracePeriod)
        {
            // The pod's termination message (result, final checkpoint) may not be in the cache yet; Succeeded
            // is final, so wait for it rather than record a success without a checkpoint. The pod's update
            // triggers a reconcile; the requeue bounds the wait.
            return DerivedStatus.AwaitingResult;
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

        var reason = ConditionReasons.Succeeded;
        var message = result?.Message is { Length: > 0 } m ? m : $"{observed.Job.Kind} finished";
        status.SetCondition(Condition(ConditionTypes.Complete, ConditionStatus.True, reason, message, generation), now);
        status.SetCondition(Condition(ConditionTypes.Progressing, ConditionStatus.False, reason, message, generation), now);
        status.SetCondition(Condition(ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Finished, "the job finished", generation), now);
        return new(StatusNext.WriteFinished, reason, message);
    }

    private static DerivedStatus Failed(ApiJobStatus status, WorkloadObservation observed, long? generation, DateTimeOffset now)
    {
        // A failure of any rank fails the job: name the rank(s) and what the worker said.
        var batch = observed.Batch;
        var failed = FailedCondition(batch)!;
        var reason = ConditionReason(failed.Reason) ?? ConditionReasons.JobFailed;
        var message = WorkerFailures.Summarize(observed.Failures, observed.MultiNode) ?? failed.Message ?? "the batch Job failed";
        status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
        status.CompletionTime ??= Normalize(now);
        MarkFailed(status, reason, message, generation, now);
        return new(StatusNext.WriteFinished, reason, message);
    }

    private static DerivedStatus Suspended(ApiJobStatus status, PostTrainJob job, long? generation, DateTimeOffset now)
    {
        status.Phase = JobPhase.Suspended;
        var reason = ConditionReasons.Suspended;
        var message = job.CommonSpec.Suspend ? "spec.suspend is true" : $"waiting for admission by queue {job.CommonSpec.Scheduling?.QueueName}";
        status.SetCondition(Condition(ConditionTypes.Suspended, ConditionStatus.True, reason, message, generation), now);
        status.SetCondition(Condition(ConditionTypes.Progressing, ConditionStatus.False, reason, message, generation), now);
        return new(StatusNext.Write, reason, message);
    }

    private static DerivedStatus Running(ApiJobStatus status, WorkloadObservation observed, long? generation, DateTimeOffset now)
    {
        var (job, batch, _, failures, worker) = observed;
        status.SetCondition(Condition(ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Resumed, "the workload may run", generation), now);
        status.Phase = JobPhase.Running;
        status.StartTime ??= Normalize(batch.Status?.StartTime ?? now);
        var reason = ConditionReasons.Running;
        if (worker is not null)
        {
            ApplyProgress(status, worker, now);
        }

        var message = status.Progress is { } p
            ? $"step {p.Step}" + (p.TotalSteps is { } t ? $"/{t}" : "")
            : "the worker is running";
        var retries = batch.Status?.Failed ?? 0;
        if (observed.MultiNode && failures.Count > 0)
        {
            message += $"; {failures[^1].Describe()}";
        }

        if (retries > 0)
        {
            message += $"; {retries} failed pod(s), retrying (backoffLimit {job.CommonSpec.BackoffLimit})";
        }

        status.SetCondition(Condition(ConditionTypes.Progressing, ConditionStatus.True, reason, message, generation), now);
        return new(StatusNext.WriteAndPoll, reason, message);
    }

    private static DerivedStatus Pending(ApiJobStatus status, long? generation, DateTimeOffset now)
    {
        status.SetCondition(Condition(ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Resumed, "the workload may run", generation), now);
        status.Phase = JobPhase.Pending;
        var reason = ConditionReasons.Pending;
        var message = "waiting for the worker pod to start";
        status.SetCondition(Condition(ConditionTypes.Progressing, ConditionStatus.False, reason, message, generation), now);
        return new(StatusNext.Write, reason, message);
    }

    private static WorkloadState State(BatchJob batch, IReadOnlyList<V1Pod> pods)
    {
        if (HasCondition(batch, "Complete") || HasCondition(batch, "SuccessCriteriaMet"))
        {
            return WorkloadState.Complete;
        }

        if (FailedCondition(batch) is not null)
        {
            return WorkloadState.Failed;
        }

        if (batch.Spec.Suspend == true)
        {
            return WorkloadState.Suspended;
        }

        return (batch.Status?.Active ?? 0) > 0 || RunningPods(pods).Any() ? WorkloadState.Running : WorkloadState.Pending;
    }

    private static IEnumerable<V1Pod> RunningPods(IReadOnlyList<V1Pod> pods) => pods.Where(p => p.Status?.Phase == "Running");

    /// <summary>The batch Job's Failed (or FailureTarget) condition when it is True.</summary>
    private static V1JobCondition? FailedCondition(BatchJob batch) =>
        batch.Status?.Conditions?.FirstOrDefault(c => c.Type is "Failed" or "FailureTarget" && c.Status == "True");

    private static bool HasCondition(BatchJob job, string type) =>
        job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

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

    private static DateTimeOffset Normalize(DateTimeOffset time) => Api.Serialization.KubeTimeConverter.Normalize(time);
}
