using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using PostTrain.Metrics;

namespace PostTrain.Benchmarks;

/// <summary>
/// Prometheus exposition: one scrape of 10,000 series (5,000 counter, 4,000 gauge and 1,000 histogram series of 11
/// buckets) into Stream.Null in each format, with allocated bytes (targets: under 10 ms and under 5 MB a scrape). The
/// recording side is <see cref="MetricsRecordingBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks : IDisposable
{
    private Meter? _meter;
    private PrometheusCollector? _collector;

    /// <summary>The exposition format a scrape writes.</summary>
    [Params(ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics)]
    public ExpositionFormat Format { get; set; }

    /// <summary>Records the 10,000 series.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _meter = new Meter("PostTrain.Benchmarks.Metrics");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(_meter.Name);
        _collector = new PrometheusCollector(options);
        var counter = _meter.CreateCounter<long>("posttrain.bench.reconcile", "{reconcile}", "Reconciliations.");
        var gauge = _meter.CreateGauge<double>("posttrain.bench.loss", null, "Training loss.");
        var histogram = _meter.CreateHistogram<double>("posttrain.bench.step.duration", "s", "Step time.");
        for (var i = 0; i < 5_000; i++)
        {
            counter.Add(i + 1, new("namespace", $"ns{i % 50}"), new("job", $"job-{i / 50}"), new("result", i % 2 == 0 ? "success" : "error"));
        }

        for (var i = 0; i < 4_000; i++)
        {
            gauge.Record(i * 0.001, new("namespace", $"ns{i % 40}"), new("job", $"job-{i / 40}"));
        }

        for (var i = 0; i < 1_000; i++)
        {
            for (var k = 0; k < 5; k++)
            {
                histogram.Record(k * 0.3, new("namespace", $"ns{i % 10}"), new("job", $"job-{i / 10}"));
            }
        }
    }

    /// <summary>One scrape of every series into Stream.Null.</summary>
    [Benchmark]
    public Task Scrape() => _collector!.WriteAsync(Stream.Null, Format);

    /// <summary>Stops listening.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _collector?.Dispose();
        _meter?.Dispose();
        GC.SuppressFinalize(this);
    }
}
