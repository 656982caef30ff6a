using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using PostTrain.Metrics;

namespace PostTrain.Benchmarks;

/// <summary>
/// One scrape of 10,000 series (5,000 counter, 4,000 gauge and 1,000 histogram series of 11 buckets),
/// in both formats, into Stream.Null: milliseconds and allocated bytes per scrape. Targets: under 10 ms
/// and under 5 MB.
/// </summary>
public sealed class MetricsBenchmark : IBenchmark
{
    public string Name => "metrics";

    public string Description => "Prometheus scrape of 10,000 series: ms and allocated bytes per scrape (targets < 10 ms, < 5 MB)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        using var meter = new Meter("PostTrain.Benchmarks.Metrics");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        using var collector = new PrometheusCollector(options);

        var counter = meter.CreateCounter<long>("posttrain.bench.reconcile", "{reconcile}", "Reconciliations.");
        var gauge = meter.CreateGauge<double>("posttrain.bench.loss", null, "Training loss.");
        var histogram = meter.CreateHistogram<double>("posttrain.bench.step.duration", "s", "Step time.");
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

        var rc = 0;
        foreach (var format in new[] { ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics })
        {
            var size = (await collector.ScrapeAsync(format, cancellationToken)).Length;
            for (var i = 0; i < 20; i++)
            {
                await collector.WriteAsync(Stream.Null, format, cancellationToken);
            }

            var times = new double[iterations];
            long allocated = 0;
            for (var i = 0; i < iterations; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                await collector.WriteAsync(Stream.Null, format, cancellationToken);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }

            Array.Sort(times);
            var median = times[iterations / 2];
            var p95 = times[(int)(iterations * 0.95)];
            var bytesPerScrape = allocated / iterations;
            var ok = median < 10 && bytesPerScrape < 5_000_000;
            rc |= ok ? 0 : 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{format,-15} series=10000 output={size / 1024.0:F0} KiB  median={median:F2} ms  p95={p95:F2} ms  allocated={bytesPerScrape:N0} B/scrape  {(ok ? "within" : "OVER")} targets (10 ms, 5 MB)"));
        }

        // The recording side: one Counter.Add and one Histogram.Record with three tags on existing series.
        var tags = new TagList { { "namespace", "ns1" }, { "job", "job-1" }, { "result", "success" } };
        const int records = 1_000_000;
        counter.Add(1, tags);
        var recordBefore = GC.GetAllocatedBytesForCurrentThread();
        var recordStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < records; i++)
        {
            counter.Add(1, tags);
        }

        var addNs = Stopwatch.GetElapsedTime(recordStart).TotalMilliseconds * 1e6 / records;
        var addBytes = (GC.GetAllocatedBytesForCurrentThread() - recordBefore) / (double)records;
        var histogramTags = new TagList { { "namespace", "ns1" }, { "job", "job-1" } };
        recordStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < records; i++)
        {
            histogram.Record(0.01 * (i % 100), histogramTags);
        }

        var recordNs = Stopwatch.GetElapsedTime(recordStart).TotalMilliseconds * 1e6 / records;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"record          Counter.Add (3 tags) {addNs:F0} ns, {addBytes:F1} B allocated each (the boxed tag values are the caller's); Histogram.Record (2 tags) {recordNs:F0} ns"));
        return rc;
    }
}
