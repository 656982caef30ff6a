using PostTrain.Metrics;
using PostTrain.Testing;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// The exposition of <see cref="GoldenScenario"/> in both formats, compared byte for byte with
/// Golden/*.txt (set UPDATE_GOLDEN=1 to rewrite them after an intended change), and checked by promtool.
/// </summary>
public sealed class GoldenOutputTests
{
    private static string GoldenPath(string file) => Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Metrics.Tests", "Golden", file);

    [Theory]
    [InlineData(ExpositionFormat.PrometheusText, "text-0.0.4.txt")]
    [InlineData(ExpositionFormat.OpenMetrics, "openmetrics-1.0.0.txt")]
    public async Task Scrape_matches_the_golden_file(ExpositionFormat format, string file)
    {
        using var scenario = new GoldenScenario($"PostTrain.Golden.{format}");
        var text = await scenario.Collector.ScrapeAsync(format);

        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(GoldenPath(file), text);
        }

        var golden = await File.ReadAllTextAsync(GoldenPath(file));
        text.ShouldBe(golden);
        ExpositionValidator.Validate(text, format).Count.ShouldBe(8);
    }

    [Fact]
    public async Task Golden_text_output_passes_promtool_check_metrics_without_any_finding()
    {
        File.Exists("/usr/bin/promtool").ShouldBeTrue("promtool is missing: run `make deps` (it installs Debian's prometheus package)");
        var golden = await File.ReadAllTextAsync(GoldenPath("text-0.0.4.txt"));

        var (exitCode, output) = await ExternalProcess.RunAsync("/usr/bin/promtool", "check metrics", golden, TimeSpan.FromSeconds(30));

        // promtool exits non-zero on parse errors and on lint problems; any printed finding counts as a failure too.
        output.Trim().ShouldBeEmpty();
        exitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Promtool_rejects_a_broken_exposition_so_the_check_above_means_something()
    {
        File.Exists("/usr/bin/promtool").ShouldBeTrue("promtool is missing: run `make deps`");
        var (exitCode, output) = await ExternalProcess.RunAsync("/usr/bin/promtool", "check metrics", "# TYPE a_total counter\na_total{x=\"1} 1\n", TimeSpan.FromSeconds(30));

        exitCode.ShouldNotBe(0);
        output.ShouldNotBeEmpty();
    }
}
