using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// The batch/v1 Job controller (kube-controller-manager's, reduced): keeps <c>parallelism</c> pods running until
/// <c>completions</c> succeed, NonIndexed or Indexed (one pod per index; completedIndexes); counts failed pods against
/// backoffLimit, applying podFailurePolicy rules first (FailJob, Ignore, Count; FailIndex counts, since
/// backoffLimitPerIndex is not supported); honours podReplacementPolicy (Failed: no replacement while the old pod is
/// still terminating), suspend (active pods deleted and not counted, Suspended condition, startTime reset on resume),
/// activeDeadlineSeconds, and the exponential backoff between failed pods. A finishing Job gets SuccessCriteriaMet or
/// FailureTarget first, its remaining pods are deleted, and Complete (with completionTime) or Failed follows once no
/// pod is left running. Status counts are kept in memory (see <see cref="JobTracker"/>), so a pod that vanished
/// before its end was seen counts as failed.
/// </summary>
internal sealed class JobController(
    KubernetesClient client,
    Indexer<V1Job> jobs,
    Indexer<V1Pod> pods,
    JobTrackers trackers,
    EventRecorder events,
    NodeAgentOptions options,
    ILogger logger) : IReconciler
{
    private static readonly TimeSpan ExpectationPoll = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var key = request.ToString();
        var job = jobs.Get(key);
        if (job is null)
        {
            trackers.Forget(key);
            return ReconcileResult.Done;
        }

        if (job.Metadata.DeletionTimestamp is not null || job.Metadata.Uid is null)
        {
            return ReconcileResult.Done;
        }

        var now = DateTimeOffset.UtcNow;
        var owned = pods.ByIndex(JobPods.JobUidIndex, job.Metadata.Uid);
        var tracker = trackers.For(job, owned);
        if (!tracker.ExpectationsMet(owned, now))
        {
            return ReconcileResult.RequeueAfter(ExpectationPoll);
        }

        var sync = new JobSync(job, tracker, owned, now);
        if (sync.State.IsFinished)
        {
            await DeletePodsAsync(sync, sync.Active, countAsFailures: true, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        sync.CountEndedPods();
        var requeue = await ManageAsync(sync, cancellationToken).ConfigureAwait(false);
        var status = sync.State.ToJson(sync.Active.Count, sync.Ready, sync.Terminating, sync.Indexed);
        var written = status.ToJsonString();
        if (written != tracker.LastWritten)
        {
            try
            {
                await client.Jobs.PatchAsync(job.Metadata.Name!, PatchType.Merge, new JsonObject { ["status"] = status }, job.Metadata.NamespaceProperty, status: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                return ReconcileResult.Done;
            }
        }

        tracker.Commit(sync.State, written, sync.NewlyCounted, sync.FailuresSinceSuccess, sync.LastFailure);
        await RecordTransitionsAsync(sync, cancellationToken).ConfigureAwait(false);
        return requeue is { } delay ? ReconcileResult.RequeueAfter(delay > TimeSpan.Zero ? delay : ExpectationPoll) : ReconcileResult.Done;
    }

    /// <summary>Decides the Job's outcome and creates or deletes pods; returns when to look again, if a timer matters.</summary>
    private async Task<TimeSpan?> ManageAsync(JobSync sync, CancellationToken cancellationToken)
    {
        var spec = sync.Job.Spec;
        var state = sync.State;
        var now = sync.Now;
        var failure = state.Reason("FailureTarget") ?? sync.PolicyFailure;
        if (failure is null && state.Failed > (spec.BackoffLimit ?? 6))
        {
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }

        if (failure is null && !sync.Suspended && spec.ActiveDeadlineSeconds is { } deadline && state.StartTime is { } started && now >= started.AddSeconds(deadline))
        {
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline");
        }

        if (failure is { } why)
        {
            state.SetCondition("FailureTarget", "True", why.Reason, why.Message, now);

            // as kube: the pods still running when a Job fails end as failures of it
            await DeletePodsAsync(sync, sync.Active, countAsFailures: true, cancellationToken).ConfigureAwait(false);
            if (sync.Active.Count == 0 && sync.Terminating == 0)
            {
                state.SetCondition("Failed", "True", why.Reason, why.Message, now);
            }

            return null;
        }

        if (sync.SuccessCriteriaMet)
        {
            state.SetCondition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            await DeletePodsAsync(sync, sync.Active, countAsFailures: false, cancellationToken).ConfigureAwait(false);
            if (sync.Active.Count == 0 && sync.Terminating == 0)
            {
                state.SetCondition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
                state.CompletionTime = now;
            }

            return null;
        }

        if (sync.Suspended)
        {
            state.SetCondition("Suspended", "True", "JobSuspended", "Job suspended", now);
            await DeletePodsAsync(sync, sync.Active, countAsFailures: false, cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (state.IsTrue("Suspended"))
        {
            state.SetCondition("Suspended", "False", "JobResumed", "Job resumed", now);
            state.StartTime = now;
        }

        state.StartTime ??= now;
        TimeSpan? requeue = spec.ActiveDeadlineSeconds is { } seconds ? state.StartTime.Value.AddSeconds(seconds) - now : null;
        var wait = sync.LastFailure + Backoff(sync.FailuresSinceSuccess) - now;
        if (sync.FailuresSinceSuccess > 0 && wait > TimeSpan.Zero)
        {
            return Min(requeue, wait);
        }

        if (sync.Indexed)
        {
            await ManageIndexedAsync(sync, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ManageNonIndexedAsync(sync, cancellationToken).ConfigureAwait(false);
        }

        return requeue;
    }

    private async Task ManageNonIndexedAsync(JobSync sync, CancellationToken cancellationToken)
    {
        var spec = sync.Job.Spec;
        var parallelism = Math.Max(0, spec.Parallelism ?? 1);
        int want;
        if (spec.Completions is { } completions)
        {
            want = Math.Min(parallelism, Math.Max(0, completions - sync.State.Succeeded));
        }
        else if (sync.State.Succeeded > 0)
        {
            // a work queue: once a pod succeeded no new one starts, and the others finish on their own
            return;
        }
        else
        {
            want = parallelism;
        }

        var occupied = sync.Active.Count + (sync.OnlyReplaceFailed ? sync.Terminating : 0);
        for (var i = occupied; i < want; i++)
        {
            await CreatePodAsync(sync, null, cancellationToken).ConfigureAwait(false);
        }

        if (sync.Active.Count > want)
        {
            var extra = sync.Active.OrderBy(p => JobSync.IsReady(p)).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(sync.Active.Count - want).ToList();
            await DeletePodsAsync(sync, extra, countAsFailures: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ManageIndexedAsync(JobSync sync, CancellationToken cancellationToken)
    {
        var spec = sync.Job.Spec;
        var completions = spec.Completions ?? 1;
        var parallelism = Math.Max(0, spec.Parallelism ?? 1);
        var surplus = new List<V1Pod>();
        var running = new HashSet<int>();
        foreach (var pod in sync.Active.OrderBy(p => p.Metadata.CreationTimestamp))
        {
            if (JobPods.Index(pod) is not { } index || index >= completions || sync.State.CompletedIndexes.Contains(index) || !running.Add(index))
            {
                surplus.Add(pod);
            }
        }

        await DeletePodsAsync(sync, surplus, countAsFailures: false, cancellationToken).ConfigureAwait(false);
        var blocked = sync.OnlyReplaceFailed ? sync.TerminatingPods.Select(JobPods.Index).OfType<int>().ToHashSet() : [];
        var slots = parallelism - sync.Active.Count - (sync.OnlyReplaceFailed ? sync.Terminating : 0);
        for (var index = 0; index < completions && slots > 0; index++)
        {
            if (!sync.State.CompletedIndexes.Contains(index) && !running.Contains(index) && !blocked.Contains(index))
            {
                await CreatePodAsync(sync, index, cancellationToken).ConfigureAwait(false);
                slots--;
            }
        }
    }

    private async Task CreatePodAsync(JobSync sync, int? index, CancellationToken cancellationToken)
    {
        var created = await client.Pods.CreateAsync(JobPods.New(sync.Job, index), cancellationToken: cancellationToken).ConfigureAwait(false);
        sync.Tracker.ExpectCreation(created.Metadata.Name!, sync.Now);
        sync.Created(created);
        await events.RecordAsync(sync.Job, EventRecorder.Normal, "SuccessfulCreate", "Create", $"Created pod: {created.Metadata.Name}", created, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeletePodsAsync(JobSync sync, IReadOnlyList<V1Pod> victims, bool countAsFailures, CancellationToken cancellationToken)
    {
        foreach (var pod in victims.ToList())
        {
            try
            {
                await client.Pods.DeleteAsync(pod.Metadata.Name!, pod.Metadata.NamespaceProperty, new DeleteOptions { PreconditionUid = pod.Metadata.Uid }, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
            {
                // already gone
            }

            sync.Tracker.ExpectDeletion(pod.Metadata.Uid!, sync.Now, countAsFailures);
            sync.Deleted(pod);
            await events.RecordAsync(sync.Job, EventRecorder.Normal, "SuccessfulDelete", "Delete", $"Deleted pod: {pod.Metadata.Name}", pod, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecordTransitionsAsync(JobSync sync, CancellationToken cancellationToken)
    {
        var before = sync.Before;
        var after = sync.State;
        if (after.IsTrue("Complete") && !before.IsTrue("Complete"))
        {
            logger.LogInformation("job {Job} completed", sync.Tracker.Key);
            await events.RecordAsync(sync.Job, EventRecorder.Normal, "Completed", "Complete", "Job completed", cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (after.Reason("Failed") is { } failed && !before.IsTrue("Failed"))
        {
            logger.LogInformation("job {Job} failed: {Reason}: {Message}", sync.Tracker.Key, failed.Reason, failed.Message);
            await events.RecordAsync(sync.Job, EventRecorder.Warning, failed.Reason, "Fail", failed.Message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (after.IsTrue("Suspended") && !before.IsTrue("Suspended"))
        {
            await events.RecordAsync(sync.Job, EventRecorder.Normal, "Suspended", "Suspend", "Job suspended", cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (!after.IsTrue("Suspended") && before.IsTrue("Suspended"))
        {
            await events.RecordAsync(sync.Job, EventRecorder.Normal, "Resumed", "Resume", "Job resumed", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>kube's pod backoff: JobBackoff doubled per failure since the last success, at most JobMaxBackoff.</summary>
    private TimeSpan Backoff(int failuresSinceSuccess)
    {
        if (failuresSinceSuccess <= 0 || options.JobBackoff <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var ticks = options.JobBackoff.Ticks * Math.Pow(2, Math.Min(30, failuresSinceSuccess - 1));
        return TimeSpan.FromTicks((long)Math.Min(options.JobMaxBackoff.Ticks, ticks));
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;
}
