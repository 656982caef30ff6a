using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using PostTrain.Metrics;

namespace PostTrain.Benchmarks;

/// <summary>
/// The recording side of metrics while a collector listens: one Counter.Add with three tags and one Histogram.Record
/// with two, on existing series (the boxed tag values are the caller's, made once here).
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks : IDisposable
{
    private readonly TagList _counterTags = new() { { "namespace", "ns1" }, { "job", "job-1" }, { "result", "success" } };
    private readonly TagList _histogramTags = new() { { "namespace", "ns1" }, { "job", "job-1" } };
    private Meter? _meter;
    private PrometheusCollector? _collector;
    private Counter<long>? _counter;
    private Histogram<double>? _histogram;
    private int _next;

    /// <summary>Starts a collector and records each series once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("PostTrain.Benchmarks.MetricsRecording");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(_meter.Name);
        _collector = new PrometheusCollector(options);
        _counter = _meter.CreateCounter<long>("posttrain.bench.reconcile", "{reconcile}", "Reconciliations.");
        _histogram = _meter.CreateHistogram<double>("posttrain.bench.step.duration", "s", "Step time.");
        _counter.Add(1, _counterTags);
        _histogram.Record(0, _histogramTags);
    }

    /// <summary>Counter.Add with three tags on an existing series.</summary>
    [Benchmark]
    public void CounterAdd() => _counter!.Add(1, _counterTags);

    /// <summary>Histogram.Record with two tags on an existing series.</summary>
    [Benchmark]
    public void HistogramRecord() => _histogram!.Record(0.01 * (_next++ % 100), _histogramTags);

    /// <summary>Stops listening.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _collector?.Dispose();
        _meter?.Dispose();
        GC.SuppressFinalize(this);
    }
}
