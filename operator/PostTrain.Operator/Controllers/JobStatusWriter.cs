using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PostTrain.Api.Status;
using PostTrain.Kube.Events;
using PostTrain.Kube.Models;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Writes a job's status through the status subresource when it changed (and is not already in flight, see
/// <see cref="StatusWrites"/>), and records an event when the phase changes.
/// </summary>
internal sealed class JobStatusWriter
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly ILogger _logger;

    /// <summary>Creates the writer for <paramref name="kind"/>.</summary>
    public JobStatusWriter(ResourceDescriptor kind, OperatorContext context, ILogger logger)
    {
        _kind = kind;
        _context = context;
        _logger = logger;
    }

    /// <summary>Writes <paramref name="status"/> to <paramref name="resource"/> (its cached copy, updated in place).</summary>
    /// <param name="resource">The job as cached; its status becomes the written one.</param>
    /// <param name="status">The new status.</param>
    /// <param name="reason">The reason of the phase, for the event of a phase change.</param>
    /// <param name="message">The message of the phase, for the event of a phase change.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task WriteAsync(JobResource resource, ApiJobStatus status, string reason, string message, CancellationToken cancellationToken)
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
            _logger.LogInformation("{Kind} {Namespace}/{Name}: {From} -> {To} ({Reason}: {Message})", _kind.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, previous?.ToString() ?? "new", status.Phase, reason, message);
            var type = status.Phase == JobPhase.Failed ? EventRecorder.Warning : EventRecorder.Normal;
            await _context.Events.RecordAsync(written, type, reason, "Reconcile", $"{status.Phase}: {message}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
