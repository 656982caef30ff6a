using System.Diagnostics;
using System.Diagnostics.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// A real Prometheus scrapes two endpoints (one answering OpenMetrics, one forced to text 0.0.4)
/// and its query API must see a counter's increase and a histogram quantile.
/// </summary>
public sealed class PrometheusIntegrationTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Real_Prometheus_scrapes_counter_increase_and_histogram_quantile_in_both_formats()
    {
        File.Exists(PrometheusServer.Binary).ShouldBeTrue($"{PrometheusServer.Binary} is missing: run `make deps` (it installs Debian's prometheus package)");
        var clock = Stopwatch.StartNew();
        using var meter = new Meter($"PostTrain.Tests.Integration.{Guid.NewGuid():N}");
        var openMetricsOptions = new PrometheusOptions();
        openMetricsOptions.Meters.Add(meter.Name);
        openMetricsOptions.HistogramBuckets["posttrain.it.latency"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        var textOptions = new PrometheusOptions { EnableOpenMetrics = false };
        textOptions.Meters.Add(meter.Name);
        textOptions.HistogramBuckets["posttrain.it.latency"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        using var openMetricsCollector = new PrometheusCollector(openMetricsOptions);
        using var textCollector = new PrometheusCollector(textOptions);
        await using var openMetricsEndpoint = await ScrapeEndpoint.StartAsync(openMetricsCollector);
        await using var textEndpoint = await ScrapeEndpoint.StartAsync(textCollector);

        var reconciles = meter.CreateCounter<long>("posttrain.it.reconcile", "{reconcile}", "Reconciliations.");
        var latency = meter.CreateHistogram<double>("posttrain.it.latency", "s", "Latency.");
        var controller = new KeyValuePair<string, object?>("controller", "sftjob");
        reconciles.Add(5, controller);
        for (var i = 1; i <= 100; i++)
        {
            latency.Record(i / 100.0, controller);
        }

        // The golden scenario (escaping, units, the renamed le tag) served as OpenMetrics: Prometheus's own parser must take all of it.
        using var golden = new GoldenScenario($"PostTrain.Tests.Integration.Golden.{Guid.NewGuid():N}");
        await using var goldenEndpoint = await ScrapeEndpoint.StartAsync(golden.Collector);
        var goldenSamples = ExpositionValidator.Validate(await golden.Collector.ScrapeAsync(ExpositionFormat.OpenMetrics), ExpositionFormat.OpenMetrics).Sum(f => f.Samples.Count);

        await using var prometheus = await PrometheusServer.StartAsync(
            [("openmetrics", openMetricsEndpoint.Port), ("text", textEndpoint.Port), ("golden", goldenEndpoint.Port)],
            TimeSpan.FromSeconds(30));
        foreach (var job in new[] { "openmetrics", "text" })
        {
            await prometheus.WaitForAsync($"posttrain_it_reconcile_total{{job=\"{job}\",controller=\"sftjob\"}}", v => v == 5, clock, Budget);
        }

        reconciles.Add(10, controller);

        foreach (var job in new[] { "openmetrics", "text" })
        {
            var selector = $"{{job=\"{job}\",controller=\"sftjob\"}}";
            await prometheus.WaitForAsync($"posttrain_it_reconcile_total{selector}", v => v == 15, clock, Budget);
            var increase = await prometheus.WaitForAsync($"increase(posttrain_it_reconcile_total{selector}[1m])", v => v >= 10, clock, Budget);

            // increase() extrapolates to the window's edges, so it may exceed the true 10 a little, never fall short.
            increase.ShouldBeInRange(10, 30, $"job {job}");
            var median = await prometheus.WaitForAsync($"histogram_quantile(0.5, sum by (le) (posttrain_it_latency_seconds_bucket{selector}))", double.IsFinite, clock, Budget);
            median.ShouldBe(0.5, 1e-9, $"job {job}");
            var p90 = await prometheus.WaitForAsync($"histogram_quantile(0.9, sum by (le) (posttrain_it_latency_seconds_bucket{selector}))", double.IsFinite, clock, Budget);
            p90.ShouldBe(0.9, 1e-9, $"job {job}");
            (await prometheus.WaitForAsync($"posttrain_it_latency_seconds_count{selector}", v => v == 100, clock, Budget)).ShouldBe(100);
            (await prometheus.WaitForAsync($"up{{job=\"{job}\"}}", v => v == 1, clock, Budget)).ShouldBe(1);
            (await prometheus.WaitForAsync($"process_resident_memory_bytes{{job=\"{job}\"}}", v => v > 0, clock, Budget)).ShouldBeGreaterThan(0);
        }

        (await prometheus.WaitForAsync("up{job=\"golden\"}", v => v == 1, clock, Budget)).ShouldBe(1);
        (await prometheus.WaitForAsync("scrape_samples_scraped{job=\"golden\"}", v => v == goldenSamples, clock, Budget)).ShouldBe(goldenSamples);
        (await prometheus.WaitForAsync("posttrain_worker_tokens_total{job=\"golden\"}", v => v == 1_500_000, clock, Budget)).ShouldBe(1_500_000);
        var escaped = await prometheus.QueryAsync("posttrain_worker_tokens_total{job=\"golden\"}");
        escaped.Single().Labels["exported_job"].ShouldBe("quote\" backslash\\ newline\nend");

        // Prometheus stores the unit-carrying family under one name whichever format it scraped.
        (await prometheus.QueryAsync("count by (job) (posttrain_it_latency_seconds_bucket)")).Select(r => r.Value).ShouldBe([11.0, 11.0]);
    }
}
