using System.Diagnostics.Metrics;
using k8s;
using k8s.Models;

namespace PostTrain.Kube.Controllers;

/// <summary>
/// Reconcile and work-queue instruments on a caller's <see cref="Meter"/>, named with the caller's prefix:
/// <c>{prefix}_reconcile_total</c> (controller, result), <c>{prefix}_reconcile_duration_seconds</c> (controller)
/// and <c>{prefix}_workqueue_depth</c> (controller). Attach a controller with <see cref="Attach{T}"/>.
/// </summary>
public sealed class ControllerMetrics
{
    private readonly Meter _meter;
    private readonly string _prefix;
    private readonly Counter<long> _reconciles;
    private readonly Histogram<double> _durations;

    /// <summary>Creates the instruments.</summary>
    /// <param name="meter">The meter to create them on.</param>
    /// <param name="prefix">Metric name prefix, e.g. "controller_runtime" or an application's own.</param>
    public ControllerMetrics(Meter meter, string prefix = "controller_runtime")
    {
        _meter = meter;
        _prefix = prefix;
        _reconciles = meter.CreateCounter<long>($"{prefix}_reconcile_total", description: "Reconciles by controller and result.");
        _durations = meter.CreateHistogram<double>($"{prefix}_reconcile_duration_seconds", unit: "s", description: "Reconcile duration by controller.");
    }

    /// <summary>Records every reconcile of the controller and observes its queue depth.</summary>
    public void Attach<T>(Controller<T> controller)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var tag = new KeyValuePair<string, object?>("controller", controller.Name);
        controller.Reconciled += (_, result, elapsed) =>
        {
            _reconciles.Add(1, tag, new KeyValuePair<string, object?>("result", Result(result.Outcome)));
            _durations.Record(elapsed.TotalSeconds, tag);
        };
        _meter.CreateObservableGauge($"{_prefix}_workqueue_depth", () => new Measurement<int>(controller.Queue.Count, tag), description: "Keys waiting in the work queue.");
    }

    private static string Result(ReconcileOutcome outcome) => outcome switch
    {
        ReconcileOutcome.Done => "done",
        ReconcileOutcome.RequeueAfter => "requeue_after",
        ReconcileOutcome.Error => "error",
        _ => "terminal_error",
    };
}
