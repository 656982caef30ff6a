using k8s.Models;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// What the Job controller remembers of one Job between syncs, in memory (kube keeps it with the
/// batch.kubernetes.io/job-tracking finalizer instead, which the agent does not use): the last status it wrote, which
/// pods' ends that status already counts, pods it deleted itself for a suspension, a completion or a
/// scale-down (their ends are not counted, as kube removes their tracking finalizer first), pods that vanished before being counted (counted as failed), its backoff, and the pod creations and
/// deletions it has yet to see in the cache (controller expectations).
/// </summary>
internal sealed class JobTracker(string key, string uid)
{
    private static readonly TimeSpan ExpectationTimeout = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, V1Pod> _vanished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _expectedCreations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _expectedDeletions = new(StringComparer.Ordinal);

    /// <summary>The Job's cache key.</summary>
    public string Key { get; } = key;

    /// <summary>The Job's uid.</summary>
    public string Uid { get; } = uid;

    /// <summary>Guards this tracker (informer callbacks and the reconcile of its Job).</summary>
    public Lock Gate { get; } = new();

    /// <summary>The status as last written (or first read); null until the Job was first seen.</summary>
    public JobState? State { get; set; }

    /// <summary>The JSON of the status as last written.</summary>
    public string? LastWritten { get; set; }

    /// <summary>Pods whose end <see cref="State"/> counts.</summary>
    public HashSet<string> Counted { get; } = new(StringComparer.Ordinal);

    /// <summary>Pods this controller deleted (their end is not a failure).</summary>
    public HashSet<string> DeletedByController { get; } = new(StringComparer.Ordinal);

    /// <summary>Counted failures since the last success (the backoff exponent).</summary>
    public int FailuresSinceSuccess { get; set; }

    /// <summary>When the last counted failure was seen.</summary>
    public DateTimeOffset LastFailure { get; set; }

    /// <summary>Remembers a pod that left the API before its end was counted.</summary>
    public void RecordVanished(V1Pod pod)
    {
        lock (Gate)
        {
            if (pod.Metadata.Uid is { } podUid && !Counted.Contains(podUid))
            {
                _vanished[podUid] = pod;
            }
        }
    }

    /// <summary>The vanished pods not yet counted.</summary>
    public IReadOnlyList<V1Pod> Vanished()
    {
        lock (Gate)
        {
            return [.. _vanished.Values];
        }
    }

    /// <summary>Whether <paramref name="podUid"/> vanished before being counted.</summary>
    public bool IsVanished(string podUid)
    {
        lock (Gate)
        {
            return _vanished.ContainsKey(podUid);
        }
    }

    /// <summary>Records a written status and the pods it counts.</summary>
    public void Commit(JobState state, string written, IEnumerable<string> counted, int failuresSinceSuccess, DateTimeOffset lastFailure)
    {
        lock (Gate)
        {
            State = state;
            LastWritten = written;
            FailuresSinceSuccess = failuresSinceSuccess;
            LastFailure = lastFailure;
            foreach (var podUid in counted)
            {
                Counted.Add(podUid);
                _vanished.Remove(podUid);
            }
        }
    }

    /// <summary>Expects to see a pod named <paramref name="name"/> in the cache.</summary>
    public void ExpectCreation(string name, DateTimeOffset now)
    {
        lock (Gate)
        {
            _expectedCreations[name] = now;
        }
    }

    /// <summary>
    /// Expects to see pod <paramref name="podUid"/> marked for deletion (or gone) in the cache. Unless
    /// <paramref name="countsAsFailure"/> (a failing Job's remaining pods), its end will not be counted.
    /// </summary>
    public void ExpectDeletion(string podUid, DateTimeOffset now, bool countsAsFailure)
    {
        lock (Gate)
        {
            _expectedDeletions[podUid] = now;
            if (!countsAsFailure)
            {
                DeletedByController.Add(podUid);
            }
        }
    }

    /// <summary>Whether the cache (<paramref name="pods"/>) shows every creation and deletion made (or they are too old to wait for).</summary>
    public bool ExpectationsMet(IReadOnlyList<V1Pod> pods, DateTimeOffset now)
    {
        lock (Gate)
        {
            foreach (var (name, since) in _expectedCreations.ToList())
            {
                if (pods.Any(p => p.Metadata.Name == name) || now - since > ExpectationTimeout)
                {
                    _expectedCreations.Remove(name);
                }
            }

            foreach (var (podUid, since) in _expectedDeletions.ToList())
            {
                if (pods.FirstOrDefault(p => p.Metadata.Uid == podUid) is not { Metadata.DeletionTimestamp: null } || now - since > ExpectationTimeout)
                {
                    _expectedDeletions.Remove(podUid);
                }
            }

            return _expectedCreations.Count == 0 && _expectedDeletions.Count == 0;
        }
    }
}
