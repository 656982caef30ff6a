using System.Diagnostics.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// <c>promtool check metrics</c> on real scrapes: no lint finding. One with the process and runtime meters on (as the
/// operator and the worker run), so a runtime instrument whose Prometheus name breaks promtool's rules fails here; one
/// with instruments made to trip each rule the exposition guards against (a gauge named like a histogram sample, tags
/// named "le" and "quantile" outside histograms and summaries).
/// </summary>
public sealed class PromtoolLintTests
{
    [Fact]
    public async Task A_scrape_with_process_and_runtime_metrics_passes_promtool_check_metrics_without_any_finding()
    {
        using var collector = new PrometheusCollector(new PrometheusOptions());
        GC.Collect();
        var scrape = await collector.ScrapeAsync(ExpositionFormat.PrometheusText);
        scrape.ShouldContain("dotnet_gc_collections_total");
        scrape.ShouldContain("# TYPE dotnet_assembly_count_value gauge");

        await ShouldPassPromtoolAsync(scrape);
    }

    [Fact]
    public async Task Gauges_named_like_histogram_samples_and_reserved_tags_are_renamed_so_promtool_finds_nothing()
    {
        using var meter = new Meter($"PostTrain.Tests.Lint.{Guid.NewGuid():N}");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        using var collector = new PrometheusCollector(options);
        var le = new KeyValuePair<string, object?>("le", "x");
        var quantile = new KeyValuePair<string, object?>("quantile", "0.5");
        meter.CreateUpDownCounter<int>("posttrain.items.count", "{item}", "Items.").Add(3, le, quantile);
        meter.CreateGauge<double>("posttrain.latency.sum", "s", "Latency sum.").Record(1.5);
        meter.CreateGauge<double>("posttrain.bucket", null, "Buckets.").Record(2);
        meter.CreateCounter<long>("posttrain.requests", "{request}", "Requests.").Add(1, le, quantile);
        meter.CreateHistogram<double>("posttrain.step.duration", "s", "Steps.").Record(0.2, le, quantile);

        var scrape = await collector.ScrapeAsync(ExpositionFormat.PrometheusText);

        scrape.ShouldContain("posttrain_items_count_value{_le=\"x\",_quantile=\"0.5\"} 3");
        scrape.ShouldContain("posttrain_latency_sum_seconds 1.5");
        scrape.ShouldContain("posttrain_bucket_value 2");
        scrape.ShouldContain("posttrain_requests_total{_le=\"x\",_quantile=\"0.5\"} 1");
        scrape.ShouldContain("posttrain_step_duration_seconds_bucket{_le=\"x\",_quantile=\"0.5\",le=\"0.25\"} 1");
        await ShouldPassPromtoolAsync(scrape);
    }

    private static async Task ShouldPassPromtoolAsync(string scrape)
    {
        File.Exists("/usr/bin/promtool").ShouldBeTrue("promtool is missing: run `make deps` (it installs Debian's prometheus package)");

        var (exitCode, output) = await ExternalProcess.RunAsync("/usr/bin/promtool", "check metrics", scrape, TimeSpan.FromSeconds(30));

        // promtool exits non-zero on parse errors and on lint problems; any printed finding counts as a failure too.
        output.Trim().ShouldBeEmpty();
        exitCode.ShouldBe(0);
    }
}
