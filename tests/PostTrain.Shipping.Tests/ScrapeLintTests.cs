using PostTrain.Shipping.Tests.Metrics;

namespace PostTrain.Shipping.Tests;

/// <summary>
/// <c>promtool check metrics</c> on what the operator and the worker really serve (process and .NET runtime families
/// included): no parse error and no lint finding, so every exported name follows Prometheus's naming rules.
/// </summary>
public sealed class ScrapeLintTests
{
    [Fact]
    public async Task The_operators_metrics_endpoint_passes_promtool_check_metrics_without_any_finding()
    {
        var run = await Rbac.OperatorScenario.RunAsync("posttrain-system", "team-a", []);
        run.Metrics.ShouldContain("posttrain_reconcile_total");
        run.Metrics.ShouldContain("dotnet_gc_collections_total");

        await ShouldPassPromtoolAsync(run.Metrics);
    }

    [Fact]
    public async Task The_workers_scrape_passes_promtool_check_metrics_without_any_finding()
    {
        var scrape = await ExportedMetrics.ScrapeWorkerTextAsync();
        scrape.ShouldContain("posttrain_train_loss");
        scrape.ShouldContain("process_resident_memory_bytes");

        await ShouldPassPromtoolAsync(scrape);
    }

    private static async Task ShouldPassPromtoolAsync(string exposition)
    {
        var promtool = ToolProcess.Find("promtool", "/usr/bin/promtool") ?? throw new FileNotFoundException("promtool is missing: run `make deps` (it installs Debian's prometheus package)");

        var result = await ToolProcess.RunAsync(promtool, ["check", "metrics"], TimeSpan.FromSeconds(30), standardInput: exposition);

        // promtool exits non-zero on parse errors and on lint problems; any printed finding counts as a failure too.
        (result.StandardOutput + result.StandardError).Trim().ShouldBeEmpty();
        result.ExitCode.ShouldBe(0);
    }
}
