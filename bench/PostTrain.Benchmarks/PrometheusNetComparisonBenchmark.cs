using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using PostTrain.Metrics;
using PromNet = Prometheus;

namespace PostTrain.Benchmarks;

/// <summary>
/// The 10,000-series scrape of <see cref="MetricsBenchmark"/> side by side, in one run, through three exporters
/// holding the same series: our PostTrain.Metrics collector, prometheus-net 8.2.1's System.Diagnostics.Metrics
/// adapter (MeterAdapter) listening to an identical meter, and prometheus-net's own API (Counter, Gauge,
/// Histogram created under our Prometheus names). Scrapes are interleaved (one of each per round) so the load of
/// a shared machine falls on all three alike. Prints median and p95 ms and allocated bytes per scrape for both
/// formats, the cost of one recorded measurement, and the metric families each exporter names, so the names can
/// be compared with ours. Issue 23, item 2: switch unless prometheus-net is more than 2x slower or breaks names.
/// </summary>
public sealed class PrometheusNetComparisonBenchmark : IBenchmark
{
    private const int CounterSeries = 5_000;
    private const int GaugeSeries = 4_000;
    private const int HistogramSeries = 1_000;
    private const int ObservationsPerHistogramSeries = 5;

    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <inheritdoc />
    public string Name => "metrics-prometheus-net";

    /// <inheritdoc />
    public string Description => "10,000-series scrape: PostTrain.Metrics vs prometheus-net (MeterAdapter and own API), interleaved in one run";

    private readonly Option<int> _rounds = BenchOptions.Int("--rounds", "Scrapes of each exporter, interleaved one of each per round.", 200);

    /// <inheritdoc />
    public void Configure(Command command) => command.Options.Add(_rounds);

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var rounds = parse.GetValue(_rounds);

        // Ours: the collector listens to meter A only.
        using var ourMeter = new Meter("PostTrain.Benchmarks.Ours");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false, DefaultHistogramBuckets = Buckets };
        options.Meters.Add(ourMeter.Name);
        using var collector = new PrometheusCollector(options);
        var ours = Instruments.Create(ourMeter);

        // prometheus-net's adapter: a registry of its own (the default registry also starts process, event counter and
        // meter collection of its own), listening to meter B only, with the same buckets. MetricFactory must be set too:
        // in 8.2.1 it defaults to Metrics.DefaultFactory, which wins over Registry, so setting Registry alone leaves the
        // custom registry empty.
        using var adapterMeter = new Meter("PostTrain.Benchmarks.Adapter");
        var adapterRegistry = PromNet.Metrics.NewCustomRegistry();
        using var adapter = PromNet.MeterAdapter.StartListening(new PromNet.MeterAdapterOptions
        {
            Registry = adapterRegistry,
            MetricFactory = PromNet.Metrics.WithCustomRegistry(adapterRegistry),
            InstrumentFilterPredicate = instrument => ReferenceEquals(instrument.Meter, adapterMeter),
            ResolveHistogramBuckets = _ => Buckets,
        });
        var adapted = Instruments.Create(adapterMeter);

        Seed(ours);
        Seed(adapted);

        // prometheus-net's own API under our names (what a bridge from our MeterListener into it would produce).
        var nativeRegistry = PromNet.Metrics.NewCustomRegistry();
        SeedNative(PromNet.Metrics.WithCustomRegistry(nativeRegistry));

        var exporters = new Exporter[]
        {
            new("PostTrain.Metrics", (s, f, ct) => collector.WriteAsync(s, f == Format.Text ? ExpositionFormat.PrometheusText : ExpositionFormat.OpenMetrics, ct)),
            new("prometheus-net MeterAdapter", (s, f, ct) => adapterRegistry.CollectAndExportAsTextAsync(s, ToPromNet(f), ct)),
            new("prometheus-net own API", (s, f, ct) => nativeRegistry.CollectAndExportAsTextAsync(s, ToPromNet(f), ct)),
        };

        var results = new Dictionary<(string, Format), Result>();
        foreach (var format in new[] { Format.Text, Format.OpenMetrics })
        {
            var outputs = new string[exporters.Length];
            for (var e = 0; e < exporters.Length; e++)
            {
                using var buffer = new MemoryStream();
                await exporters[e].Write(buffer, format, cancellationToken);
                outputs[e] = Encoding.UTF8.GetString(buffer.ToArray());
                for (var i = 0; i < 20; i++)
                {
                    await exporters[e].Write(Stream.Null, format, cancellationToken);
                }
            }

            var times = new double[exporters.Length][];
            var allocated = new long[exporters.Length];
            for (var e = 0; e < exporters.Length; e++)
            {
                times[e] = new double[rounds];
            }

            for (var round = 0; round < rounds; round++)
            {
                for (var e = 0; e < exporters.Length; e++)
                {
                    var before = GC.GetTotalAllocatedBytes(precise: true);
                    var start = Stopwatch.GetTimestamp();
                    await exporters[e].Write(Stream.Null, format, cancellationToken);
                    times[e][round] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    allocated[e] += GC.GetTotalAllocatedBytes(precise: true) - before;
                }
            }

            for (var e = 0; e < exporters.Length; e++)
            {
                Array.Sort(times[e]);
                var result = new Result(times[e][rounds / 2], times[e][(int)(rounds * 0.95)], allocated[e] / rounds, Encoding.UTF8.GetByteCount(outputs[e]));
                results[(exporters[e].Name, format)] = result;
                var baseline = results[(exporters[0].Name, format)];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{format,-11} {exporters[e].Name,-28} output={result.Bytes / 1024.0,5:F0} KiB  median={result.MedianMs,7:F2} ms ({result.MedianMs / baseline.MedianMs,5:F2}x)  p95={result.P95Ms,7:F2} ms  allocated={result.AllocatedBytes,12:N0} B/scrape ({(double)result.AllocatedBytes / baseline.AllocatedBytes,5:F2}x)"));
            }

            if (format == Format.Text)
            {
                for (var e = 0; e < exporters.Length; e++)
                {
                    Console.WriteLine($"names       {exporters[e].Name,-28} {string.Join("; ", TypeLines(outputs[e]))}");
                    Console.WriteLine($"sample      {exporters[e].Name,-28} {FirstSample(outputs[e], "reconcile")}");
                }
            }
        }

        // The recording side: one Counter.Add with three tags on an existing series, ours and the adapter each listening
        // to its own meter, and prometheus-net's own API with the label values given in order.
        var tags = new TagList { { "namespace", "ns1" }, { "job", "job-1" }, { "result", "success" } };
        var oursNs = TimeRecording(() => ours.Counter.Add(1, tags));
        var adapterNs = TimeRecording(() => adapted.Counter.Add(1, tags));
        var nativeCounter = PromNet.Metrics.WithCustomRegistry(nativeRegistry)
            .CreateCounter("posttrain_bench_reconcile_total", "Reconciliations.", ["job", "namespace", "result"]);
        var nativeNs = TimeRecording(() => nativeCounter.WithLabels("job-1", "ns1", "success").Inc());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"record      Counter.Add (3 tags): PostTrain.Metrics {oursNs.Ns:F0} ns {oursNs.Bytes:F0} B; prometheus-net MeterAdapter {adapterNs.Ns:F0} ns {adapterNs.Bytes:F0} B; prometheus-net own API (WithLabels.Inc) {nativeNs.Ns:F0} ns {nativeNs.Bytes:F0} B"));
        return 0;
    }

    private static void Seed(Instruments instruments)
    {
        for (var i = 0; i < CounterSeries; i++)
        {
            instruments.Counter.Add(i + 1, new("namespace", $"ns{i % 50}"), new("job", $"job-{i / 50}"), new("result", i % 2 == 0 ? "success" : "error"));
        }

        for (var i = 0; i < GaugeSeries; i++)
        {
            instruments.Gauge.Record(i * 0.001, new("namespace", $"ns{i % 40}"), new("job", $"job-{i / 40}"));
        }

        for (var i = 0; i < HistogramSeries; i++)
        {
            for (var k = 0; k < ObservationsPerHistogramSeries; k++)
            {
                instruments.Histogram.Record(k * 0.3, new("namespace", $"ns{i % 10}"), new("job", $"job-{i / 10}"));
            }
        }
    }

    private static void SeedNative(PromNet.IMetricFactory factory)
    {
        var counter = factory.CreateCounter("posttrain_bench_reconcile_total", "Reconciliations.", ["job", "namespace", "result"]);
        var gauge = factory.CreateGauge("posttrain_bench_loss", "Training loss.", ["job", "namespace"]);
        var histogram = factory.CreateHistogram("posttrain_bench_step_duration_seconds", "Step time.", ["job", "namespace"], new PromNet.HistogramConfiguration { Buckets = Buckets });
        for (var i = 0; i < CounterSeries; i++)
        {
            counter.WithLabels($"job-{i / 50}", $"ns{i % 50}", i % 2 == 0 ? "success" : "error").Inc(i + 1);
        }

        for (var i = 0; i < GaugeSeries; i++)
        {
            gauge.WithLabels($"job-{i / 40}", $"ns{i % 40}").Set(i * 0.001);
        }

        for (var i = 0; i < HistogramSeries; i++)
        {
            for (var k = 0; k < ObservationsPerHistogramSeries; k++)
            {
                histogram.WithLabels($"job-{i / 10}", $"ns{i % 10}").Observe(k * 0.3);
            }
        }
    }

    private static (double Ns, double Bytes) TimeRecording(Action record)
    {
        const int records = 1_000_000;
        record();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < records; i++)
        {
            record();
        }

        var ns = Stopwatch.GetElapsedTime(start).TotalMilliseconds * 1e6 / records;
        return (ns, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)records);
    }

    /// <summary>The "# TYPE name type" lines of a text scrape, the adapter's own bookkeeping gauge left out.</summary>
    private static IEnumerable<string> TypeLines(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal) && !l.Contains("prometheus_net_", StringComparison.Ordinal))
            .Select(l => l["# TYPE ".Length..]);

    private static string FirstSample(string exposition, string nameContains) =>
        exposition.Split('\n').FirstOrDefault(l => !l.StartsWith('#') && l.Contains(nameContains, StringComparison.Ordinal)) ?? "(none)";

    private static PromNet.ExpositionFormat ToPromNet(Format format) =>
        format == Format.Text ? PromNet.ExpositionFormat.PrometheusText : PromNet.ExpositionFormat.OpenMetricsText;

    private enum Format
    {
        Text,
        OpenMetrics,
    }

    private sealed record Exporter(string Name, Func<Stream, Format, CancellationToken, Task> Write);

    private sealed record Result(double MedianMs, double P95Ms, long AllocatedBytes, int Bytes);

    private sealed record Instruments(Counter<long> Counter, Gauge<double> Gauge, Histogram<double> Histogram)
    {
        public static Instruments Create(Meter meter) => new(
            meter.CreateCounter<long>("posttrain.bench.reconcile", "{reconcile}", "Reconciliations."),
            meter.CreateGauge<double>("posttrain.bench.loss", null, "Training loss."),
            meter.CreateHistogram<double>("posttrain.bench.step.duration", "s", "Step time."));
    }
}
