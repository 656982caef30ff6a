using System.Diagnostics.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// A fixed set of instruments and measurements covering every instrument kind, units, tags, escaping and
/// bucket choices; its scrape is compared with the golden files.
/// </summary>
internal sealed class GoldenScenario : IDisposable
{
    private readonly Meter _meter;

    public GoldenScenario(string meterName)
    {
        _meter = new Meter(meterName);
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meterName);
        options.HistogramBuckets["posttrain.worker.step.duration"] = [0.5, 1, 2];
        Collector = new PrometheusCollector(options);

        var reconciles = _meter.CreateCounter<long>("posttrain.reconcile", "{reconcile}", "Reconciliations run, by controller and result.");
        reconciles.Add(3, new("controller", "sftjob"), new("result", "success"));
        reconciles.Add(1, new("result", "error"), new("controller", "rlvrjob"));
        reconciles.Add(2, new("controller", "sftjob"), new("result", "success"));

        var duration = _meter.CreateHistogram<double>(
            "posttrain.reconcile.duration",
            "s",
            "Time to reconcile one object.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        foreach (var seconds in new[] { 0.005, 0.05, 0.5, 2.0, 0.01 })
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("controller", "sftjob"));
        }

        var depth = _meter.CreateUpDownCounter<int>("posttrain.workqueue.depth", "{item}", "Items waiting in the work queue.");
        depth.Add(5);
        depth.Add(-2);

        _meter.CreateObservableGauge(
            "posttrain.jobs",
            () => new[]
            {
                new Measurement<long>(2, new KeyValuePair<string, object?>("phase", "Running")),
                new Measurement<long>(1, new KeyValuePair<string, object?>("phase", "Succeeded")),
            },
            "{job}",
            "Jobs by phase.");

        var learningRate = _meter.CreateGauge<double>("posttrain.worker.learning_rate", "1", "Current learning rate.");
        learningRate.Record(0.0003);

        var tokens = _meter.CreateCounter<double>("posttrain.worker.tokens", "{token}", "Tokens processed.");
        tokens.Add(1_500_000, new KeyValuePair<string, object?>("job", "quote\" backslash\\ newline\nend"));

        _meter.CreateObservableCounter("posttrain.worker.read", () => 4096L, "By", "Bytes read from the dataset.");

        var step = _meter.CreateHistogram<double>("posttrain.worker.step.duration", "s", "Time per optimiser step.");
        step.Record(0.75, new KeyValuePair<string, object?>("le", "tag named le"), new KeyValuePair<string, object?>("rank", 0));
        step.Record(5, new KeyValuePair<string, object?>("rank", 0), new KeyValuePair<string, object?>("le", "tag named le"));
    }

    public PrometheusCollector Collector { get; }

    public void Dispose()
    {
        Collector.Dispose();
        _meter.Dispose();
    }
}
