using System.Diagnostics.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>The allocation side of the benchmark target (timings live in the benchmark, not here).</summary>
public sealed class ScrapeBudgetTests
{
    [Fact]
    public async Task A_scrape_of_10000_series_allocates_well_under_5_MB()
    {
        using var meter = new Meter($"PostTrain.Tests.Budget.{Guid.NewGuid():N}");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        using var collector = new PrometheusCollector(options);
        var counter = meter.CreateCounter<long>("posttrain.budget.events");
        var histogram = meter.CreateHistogram<double>("posttrain.budget.seconds");
        for (var i = 0; i < 9_000; i++)
        {
            counter.Add(1, new("job", $"job-{i}"), new("result", "ok"));
        }

        for (var i = 0; i < 1_000; i++)
        {
            histogram.Record(0.3, new KeyValuePair<string, object?>("job", $"job-{i}"));
        }

        await collector.WriteAsync(Stream.Null, ExpositionFormat.OpenMetrics);
        var before = GC.GetAllocatedBytesForCurrentThread();
        await collector.WriteAsync(Stream.Null, ExpositionFormat.OpenMetrics);
        await collector.WriteAsync(Stream.Null, ExpositionFormat.PrometheusText);
        var perScrape = (GC.GetAllocatedBytesForCurrentThread() - before) / 2;

        perScrape.ShouldBeLessThan(64 * 1024);
    }
}
