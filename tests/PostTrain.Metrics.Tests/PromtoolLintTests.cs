using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// <c>promtool check metrics</c> on a real scrape with the process and runtime meters on (as the operator and the worker
/// run): no lint finding. Every family the .NET runtime's own <c>System.Runtime</c> meter publishes is in it, so a runtime
/// instrument whose Prometheus name breaks promtool's rules fails here.
/// </summary>
public sealed class PromtoolLintTests
{
    [Fact]
    public async Task A_scrape_with_process_and_runtime_metrics_passes_promtool_check_metrics_without_any_finding()
    {
        File.Exists("/usr/bin/promtool").ShouldBeTrue("promtool is missing: run `make deps` (it installs Debian's prometheus package)");
        using var collector = new PrometheusCollector(new PrometheusOptions());
        GC.Collect();
        var scrape = await collector.ScrapeAsync(ExpositionFormat.PrometheusText);
        scrape.ShouldContain("dotnet_gc_collections_total");

        var (exitCode, output) = await ExternalProcess.RunAsync("/usr/bin/promtool", "check metrics", scrape, TimeSpan.FromSeconds(30));

        output.Trim().ShouldBeEmpty();
        exitCode.ShouldBe(0);
    }
}
