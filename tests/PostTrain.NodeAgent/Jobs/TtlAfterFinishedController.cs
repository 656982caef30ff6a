using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;

namespace PostTrain.NodeAgent.Jobs;

/// <summary>
/// The TTL-after-finished controller: a Job with <c>ttlSecondsAfterFinished</c> is deleted that long after its
/// Complete or Failed condition, with propagationPolicy Background, so the garbage collector deletes its pods.
/// </summary>
internal sealed class TtlAfterFinishedController(KubernetesClient client, Indexer<V1Job> jobs, ILogger logger) : IReconciler
{
    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var job = jobs.Get(request.ToString());
        if (job is null || job.Metadata.DeletionTimestamp is not null || job.Spec.TtlSecondsAfterFinished is not { } ttl)
        {
            return ReconcileResult.Done;
        }

        var finished = job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True");
        if (finished?.LastTransitionTime is not { } at)
        {
            return ReconcileResult.Done;
        }

        var expires = at.AddSeconds(ttl);
        var now = DateTimeOffset.UtcNow;
        if (now < expires)
        {
            return ReconcileResult.RequeueAfter(expires - now);
        }

        try
        {
            await client.Jobs.DeleteAsync(job.Metadata.Name!, job.Metadata.NamespaceProperty, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background, PreconditionUid = job.Metadata.Uid }, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("job {Namespace}/{Job}: deleted {Ttl} s after it finished (ttlSecondsAfterFinished)", job.Metadata.NamespaceProperty, job.Metadata.Name, ttl);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // gone, or replaced by a new Job of the same name
        }

        return ReconcileResult.Done;
    }
}
