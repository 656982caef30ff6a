using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Models;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Deletes a finished job (its children go with it, by owner reference) once <c>spec.ttlSecondsAfterFinished</c> has
/// passed since it finished, and remembers the deletion so a lagging cache cannot act on the job again.
/// </summary>
internal sealed class TtlCleanup
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly ILogger _logger;

    /// <summary>Creates the cleanup for <paramref name="kind"/>.</summary>
    public TtlCleanup(ResourceDescriptor kind, OperatorContext context, ILogger logger)
    {
        _kind = kind;
        _context = context;
        _logger = logger;
    }

    /// <summary>
    /// When a finished job is due for deletion: its completion time (else <paramref name="now"/>) plus
    /// <c>ttlSecondsAfterFinished</c>, with the TTL in seconds; null when the spec sets no TTL.
    /// </summary>
    public static (DateTimeOffset Due, int Ttl)? Due(JsonObject? spec, ApiJobStatus status, DateTimeOffset now)
    {
        if (spec?["ttlSecondsAfterFinished"] is not JsonValue ttlValue || !ttlValue.TryGetValue<int>(out var ttl))
        {
            return null;
        }

        var finished = status.CompletionTime ?? now;
        return (finished + TimeSpan.FromSeconds(ttl), ttl);
    }

    /// <summary>Deletes the finished job when its TTL has passed, or says when to look again.</summary>
    public async Task<ReconcileResult> CleanUpAsync(JobResource resource, ApiJobStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Due(resource.Spec, status, now) is not { } deletion)
        {
            return ReconcileResult.Done;
        }

        var (due, ttl) = deletion;

        if (due > now)
        {
            return ReconcileResult.RequeueAfter(due - now);
        }

        _context.MarkDeleted(resource.Metadata.Uid);
        _logger.LogInformation("{Kind} {Namespace}/{Name}: deleting, ttlSecondsAfterFinished ({Ttl} s) passed", _kind.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, ttl);
        try
        {
            await _context.JobClient(_kind).DeleteAsync(
                resource.Metadata.Name!,
                resource.Metadata.NamespaceProperty,
                new DeleteOptions { PropagationPolicy = PropagationPolicy.Background, PreconditionUid = resource.Metadata.Uid },
                cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Already gone, or a different object of the same name now: nothing to do.
        }

        return ReconcileResult.Done;
    }
}
