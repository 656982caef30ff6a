using Microsoft.Extensions.Logging;
using PostTrain.Api.Status;
using PostTrain.Kube.Events;
using PostTrain.Kube.Models;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Controllers;

/// <summary>Reports each failed worker pod once: a warning event (reason <see cref="ConditionReasons.WorkerFailed"/>) and a log line.</summary>
internal sealed class WorkerFailureReporter
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly ILogger _logger;

    /// <summary>Creates the reporter for <paramref name="kind"/>.</summary>
    public WorkerFailureReporter(ResourceDescriptor kind, OperatorContext context, ILogger logger)
    {
        _kind = kind;
        _context = context;
        _logger = logger;
    }

    /// <summary>Reports the <paramref name="failures"/> not reported before (by pod uid, else name).</summary>
    public async Task ReportNewAsync(JobResource resource, IReadOnlyList<WorkerFailure> failures, bool multiNode, CancellationToken cancellationToken)
    {
        foreach (var failure in failures)
        {
            if (!_context.FirstReport(failure.PodUid ?? failure.Pod))
            {
                continue;
            }

            var note = multiNode ? failure.Describe() : $"pod {failure.Pod} failed with exit code {failure.ExitCode}" + (failure.Message is { Length: > 0 } m ? ": " + m : "");
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Note}", _kind.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, note);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, ConditionReasons.WorkerFailed, "Reconcile", note, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
