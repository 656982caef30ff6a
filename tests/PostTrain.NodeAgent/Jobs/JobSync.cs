using k8s.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// One sync of one Job: its pods sorted into active (running or pending), terminating (deleted, not yet ended) and
/// ended; the ends not counted yet, counted into a copy of the Job's state; and the pods created and deleted during
/// the sync, so the status written at its end already reflects them.
/// </summary>
internal sealed class JobSync
{
    private readonly IReadOnlyList<V1Pod> _owned;
    private readonly HashSet<string> _counted;
    private readonly HashSet<string> _deletedByController;

    /// <summary>Sorts the pods of <paramref name="job"/>.</summary>
    public JobSync(V1Job job, JobTracker tracker, IReadOnlyList<V1Pod> owned, DateTimeOffset now)
    {
        Job = job;
        Tracker = tracker;
        Now = now;
        _owned = owned;
        lock (tracker.Gate)
        {
            Before = tracker.State!;
            _counted = new HashSet<string>(tracker.Counted, StringComparer.Ordinal);
            _deletedByController = new HashSet<string>(tracker.DeletedByController, StringComparer.Ordinal);
            FailuresSinceSuccess = tracker.FailuresSinceSuccess;
            LastFailure = tracker.LastFailure;
        }

        State = Before.Clone();
        var spec = job.Spec;
        Indexed = spec.CompletionMode == "Indexed";
        Suspended = spec.Suspend == true;
        var replacement = spec.PodReplacementPolicy ?? (spec.PodFailurePolicy is null ? "TerminatingOrFailed" : "Failed");
        OnlyReplaceFailed = replacement == "Failed" || spec.PodFailurePolicy is not null;
        Active = owned.Where(p => p.Metadata.DeletionTimestamp is null && !HasEnded(p)).ToList();
        TerminatingPods = owned.Where(p => p.Metadata.DeletionTimestamp is not null && !HasEnded(p)).ToList();
    }

    /// <summary>The Job.</summary>
    public V1Job Job { get; }

    /// <summary>Its tracker.</summary>
    public JobTracker Tracker { get; }

    /// <summary>The time of this sync.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The state before this sync.</summary>
    public JobState Before { get; }

    /// <summary>The state this sync writes.</summary>
    public JobState State { get; }

    /// <summary>Whether the Job is Indexed.</summary>
    public bool Indexed { get; }

    /// <summary>Whether the Job is suspended.</summary>
    public bool Suspended { get; }

    /// <summary>podReplacementPolicy Failed (also implied by a podFailurePolicy): a terminating pod is not replaced until it ended.</summary>
    public bool OnlyReplaceFailed { get; }

    /// <summary>Pods running or pending (not deleted, not ended).</summary>
    public List<V1Pod> Active { get; }

    /// <summary>Pods deleted but not ended yet.</summary>
    public List<V1Pod> TerminatingPods { get; }

    /// <summary>How many pods are terminating.</summary>
    public int Terminating => TerminatingPods.Count;

    /// <summary>Active pods whose Ready condition is True.</summary>
    public int Ready => Active.Count(IsReady);

    /// <summary>Pods whose end this sync counts.</summary>
    public List<string> NewlyCounted { get; } = [];

    /// <summary>Failures this sync counts against backoffLimit.</summary>
    public int NewFailures { get; private set; }

    /// <summary>Whether this sync counts a success.</summary>
    public bool NewSuccess { get; private set; }

    /// <summary>Counted failures since the last success, this sync's included (the backoff exponent).</summary>
    public int FailuresSinceSuccess { get; private set; }

    /// <summary>When the last counted failure was seen, this sync's included.</summary>
    public DateTimeOffset LastFailure { get; private set; }

    /// <summary>The first FailJob rule this sync matched: the Job fails with reason PodFailurePolicy.</summary>
    public (string Reason, string Message)? PolicyFailure { get; private set; }

    /// <summary>Whether enough pods (or indexes) succeeded.</summary>
    public bool SuccessCriteriaMet => Job.Spec.Completions is { } completions
        ? (Indexed ? State.CompletedIndexes.Count : State.Succeeded) >= completions
        : State.Succeeded > 0 && Active.Count == 0 && Terminating == 0;

    /// <summary>Whether a pod's Ready condition is True.</summary>
    public static bool IsReady(V1Pod pod) => (pod.Status?.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True");

    /// <summary>Whether a pod has ended (Succeeded or Failed).</summary>
    public static bool HasEnded(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>
    /// Counts the ends not counted yet: a Succeeded pod (Indexed: its index) as a success; a Failed pod, a pod that
    /// vanished, or (podReplacementPolicy TerminatingOrFailed) a deleted one as a failure, unless this controller
    /// deleted it or a podFailurePolicy rule says Ignore.
    /// </summary>
    public void CountEndedPods()
    {
        var owned = _owned.Select(p => p.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        var vanished = Tracker.Vanished().Where(p => !owned.Contains(p.Metadata.Uid));
        foreach (var pod in _owned.Concat(vanished))
        {
            var uid = pod.Metadata.Uid!;
            if (_counted.Contains(uid) || NewlyCounted.Contains(uid))
            {
                continue;
            }

            var gone = !owned.Contains(uid);
            var phase = pod.Status?.Phase;
            if (phase == "Succeeded")
            {
                NewlyCounted.Add(uid);
                NewSuccess = true;
                if (!Indexed)
                {
                    State.Succeeded++;
                }
                else if (JobPods.Index(pod) is { } index && index < (Job.Spec.Completions ?? 1))
                {
                    State.CompletedIndexes.Add(index);
                    State.Succeeded = State.CompletedIndexes.Count;
                }

                continue;
            }

            var failed = phase == "Failed" || gone || (pod.Metadata.DeletionTimestamp is not null && !OnlyReplaceFailed);
            if (!failed)
            {
                continue;
            }

            NewlyCounted.Add(uid);
            if (_deletedByController.Contains(uid))
            {
                continue;
            }

            var action = "Count";
            if (Job.Spec.PodFailurePolicy is { } policy && phase == "Failed" && PodFailurePolicyMatch.Evaluate(policy, pod) is { } match)
            {
                action = match.Action;
                if (action == "FailJob")
                {
                    PolicyFailure ??= ("PodFailurePolicy", match.Message);
                }
            }

            if (action == "Ignore")
            {
                continue;
            }

            State.Failed++;
            NewFailures++;
        }

        if (NewFailures > 0)
        {
            FailuresSinceSuccess = (NewSuccess ? 0 : FailuresSinceSuccess) + NewFailures;
            LastFailure = Now;
        }
        else if (NewSuccess)
        {
            FailuresSinceSuccess = 0;
        }
    }

    /// <summary>Notes a pod created during this sync.</summary>
    public void Created(V1Pod pod) => Active.Add(pod);

    /// <summary>Notes a pod deleted during this sync (it is terminating now).</summary>
    public void Deleted(V1Pod pod)
    {
        if (Active.Remove(pod))
        {
            TerminatingPods.Add(pod);
        }
    }
}
