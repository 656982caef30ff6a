using System.Collections.Concurrent;
using k8s.Models;
using PostTrain.Kube.Controllers;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>The <see cref="JobTracker"/> of every Job, by uid.</summary>
internal sealed class JobTrackers
{
    private readonly ConcurrentDictionary<string, JobTracker> _byUid = new(StringComparer.Ordinal);

    /// <summary>
    /// The tracker of <paramref name="job"/>. The first time a Job is seen its status is taken as written; if the
    /// status already counts anything (an earlier agent ran it), the pods that have ended count as counted.
    /// </summary>
    public JobTracker For(V1Job job, IReadOnlyList<V1Pod> pods)
    {
        var tracker = _byUid.GetOrAdd(job.Metadata.Uid!, uid => new JobTracker(Kube.Informers.ObjectKey.Of(job), uid));
        lock (tracker.Gate)
        {
            if (tracker.State is null)
            {
                tracker.State = JobState.From(job.Status);
                var seen = tracker.State.Succeeded + tracker.State.Failed > 0 || tracker.State.Conditions.Count > 0;
                if (seen)
                {
                    foreach (var pod in pods.Where(p => p.Status?.Phase is "Succeeded" or "Failed"))
                    {
                        tracker.Counted.Add(pod.Metadata.Uid!);
                    }
                }
            }
        }

        return tracker;
    }

    /// <summary>Records a pod that left the API, for the Job that controls it (if that Job is still tracked).</summary>
    public void PodRemoved(V1Pod pod)
    {
        if (OwnerReferences.GetController(pod) is { Kind: "Job" } owner && owner.ApiVersion.StartsWith("batch/", StringComparison.Ordinal)
            && _byUid.TryGetValue(owner.Uid, out var tracker))
        {
            tracker.RecordVanished(pod);
        }
    }

    /// <summary>Forgets the Jobs at <paramref name="key"/> (deleted).</summary>
    public void Forget(string key)
    {
        foreach (var tracker in _byUid.Values.Where(t => t.Key == key))
        {
            _byUid.TryRemove(tracker.Uid, out _);
        }
    }
}
