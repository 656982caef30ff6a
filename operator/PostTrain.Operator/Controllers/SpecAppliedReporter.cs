using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Api.Status;
using PostTrain.Kube.Events;
using PostTrain.Kube.Models;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Reports whether a job's workload runs its current spec: the SpecApplied condition, and a warning event (and log
/// line) each time the edits it could not apply change.
/// </summary>
internal sealed class SpecAppliedReporter
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly ILogger _logger;

    /// <summary>Creates the reporter for <paramref name="kind"/>.</summary>
    public SpecAppliedReporter(ResourceDescriptor kind, OperatorContext context, ILogger logger)
    {
        _kind = kind;
        _context = context;
        _logger = logger;
    }

    /// <summary>
    /// SpecApplied True (reason <see cref="ConditionReasons.Applied"/>) when every edited field in
    /// <paramref name="drift"/> reached the children, else False (reason <see cref="ConditionReasons.SpecChangeIgnored"/>)
    /// naming the fields that did not and why.
    /// </summary>
    public async Task ReportAsync(JobResource resource, ApiJobStatus status, IReadOnlyList<string> drift, BatchJob batch, BatchJob desiredJob, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ignored = SpecDrift.Ignored(drift, batch, desiredJob);
        if (ignored.Count == 0)
        {
            status.SetCondition(StatusDerivation.Condition(ConditionTypes.SpecApplied, ConditionStatus.True, ConditionReasons.Applied, "the workload runs the current spec", resource.Metadata.Generation), now);
            return;
        }

        var message = SpecDrift.DescribeIgnored(ignored);
        // SetCondition updates the condition in place: read what it said before.
        var previous = status.FindCondition(ConditionTypes.SpecApplied) is { } c ? (c.Status, c.Message) : default;
        status.SetCondition(StatusDerivation.Condition(ConditionTypes.SpecApplied, ConditionStatus.False, ConditionReasons.SpecChangeIgnored, message, resource.Metadata.Generation), now);
        if (previous.Status != ConditionStatus.False || previous.Message != message)
        {
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Message}", _kind.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, message);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, ConditionReasons.SpecChangeIgnored, "Reconcile", message, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// SpecApplied False (reason <see cref="ConditionReasons.InvalidSpec"/>): the edited spec is invalid and the
    /// workload keeps running the previous one.
    /// </summary>
    /// <param name="resource">The job.</param>
    /// <param name="status">Its status; edited.</param>
    /// <param name="message">What is invalid.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the event.</param>
    public async Task ReportInvalidEditAsync(JobResource resource, ApiJobStatus status, string message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var note = $"the edited spec is invalid and was not applied (the workload keeps running the previous spec): {message}";
        var previous = status.FindCondition(ConditionTypes.SpecApplied) is { } c ? (c.Reason, c.Message) : default;
        status.SetCondition(StatusDerivation.Condition(ConditionTypes.SpecApplied, ConditionStatus.False, ConditionReasons.InvalidSpec, note, resource.Metadata.Generation), now);
        if (previous.Reason != ConditionReasons.InvalidSpec || previous.Message != note)
        {
            _logger.LogWarning("{Kind} {Namespace}/{Name}: {Message}", _kind.Kind, resource.Metadata.NamespaceProperty, resource.Metadata.Name, note);
            await _context.Events.RecordAsync(resource, EventRecorder.Warning, ConditionReasons.InvalidSpec, "Reconcile", note, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
