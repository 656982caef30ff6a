using PostTrain.Metrics;

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
            // Never green in the run that rewrites: review the diff (and the hand-worked values below), then rerun without it.
            await File.WriteAllTextAsync(GoldenPath(file), text);
            Assert.Fail($"UPDATE_GOLDEN=1 rewrote Golden/{file}; review `git diff` and run again without it");
        }

        var golden = await File.ReadAllTextAsync(GoldenPath(file));
        text.ShouldBe(golden);
        ExpositionValidator.Validate(text, format).Count.ShouldBe(8);
    }

    /// <summary>
    /// Every sample in the checked-in golden files, worked out by hand from <see cref="GoldenScenario"/>'s
    /// measurements (not by running the collector), so a golden file regenerated from a wrong exposition fails here.
    /// </summary>
    private static readonly Dictionary<string, double> HandWorkedSamples = new(StringComparer.Ordinal)
    {
        ["posttrain_jobs{phase=\"Running\"}"] = 2,
        ["posttrain_jobs{phase=\"Succeeded\"}"] = 1,
        ["posttrain_reconcile_total{controller=\"sftjob\",result=\"success\"}"] = 3 + 2, // tag order does not split series
        ["posttrain_reconcile_total{controller=\"rlvrjob\",result=\"error\"}"] = 1,

        // 0.005, 0.05, 0.5, 2.0, 0.01 against bounds 0.01, 0.1, 1 (upper bounds inclusive, cumulative).
        ["posttrain_reconcile_duration_seconds_bucket{controller=\"sftjob\",le=\"0.01\"}"] = 2,
        ["posttrain_reconcile_duration_seconds_bucket{controller=\"sftjob\",le=\"0.1\"}"] = 3,
        ["posttrain_reconcile_duration_seconds_bucket{controller=\"sftjob\",le=\"1\"}"] = 4,
        ["posttrain_reconcile_duration_seconds_bucket{controller=\"sftjob\",le=\"+Inf\"}"] = 5,
        ["posttrain_reconcile_duration_seconds_sum{controller=\"sftjob\"}"] = 0.005 + 0.05 + 0.5 + 2.0 + 0.01,
        ["posttrain_reconcile_duration_seconds_count{controller=\"sftjob\"}"] = 5,
        ["posttrain_worker_learning_rate_ratio"] = 0.0003,
        ["posttrain_worker_read_bytes_total"] = 4096,

        // 0.75 and 5 against the configured bounds 0.5, 1, 2; the user's "le" tag is renamed "_le".
        ["posttrain_worker_step_duration_seconds_bucket{_le=\"tag named le\",rank=\"0\",le=\"0.5\"}"] = 0,
        ["posttrain_worker_step_duration_seconds_bucket{_le=\"tag named le\",rank=\"0\",le=\"1\"}"] = 1,
        ["posttrain_worker_step_duration_seconds_bucket{_le=\"tag named le\",rank=\"0\",le=\"2\"}"] = 1,
        ["posttrain_worker_step_duration_seconds_bucket{_le=\"tag named le\",rank=\"0\",le=\"+Inf\"}"] = 2,
        ["posttrain_worker_step_duration_seconds_sum{_le=\"tag named le\",rank=\"0\"}"] = 5.75,
        ["posttrain_worker_step_duration_seconds_count{_le=\"tag named le\",rank=\"0\"}"] = 2,
        ["posttrain_worker_tokens_total{job=\"quote\\\" backslash\\\\ newline\\nend\"}"] = 1_500_000,
        ["posttrain_workqueue_depth"] = 5 - 2,
    };

    [Theory]
    [InlineData("text-0.0.4.txt")]
    [InlineData("openmetrics-1.0.0.txt")]
    public void Golden_files_hold_the_values_worked_out_by_hand(string file)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(GoldenPath(file)).Where(l => l.Length > 0 && l[0] != '#'))
        {
            var space = line.LastIndexOf(' ');
            var series = line[..space].Replace(".0\"}", "\"}", StringComparison.Ordinal); // OpenMetrics writes le="1.0"
            samples.Add(series, double.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        samples.Keys.Order(StringComparer.Ordinal).ShouldBe(HandWorkedSamples.Keys.Order(StringComparer.Ordinal));
        foreach (var (series, value) in HandWorkedSamples)
        {
            samples[series].ShouldBe(value, 1e-12, series);
        }
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
