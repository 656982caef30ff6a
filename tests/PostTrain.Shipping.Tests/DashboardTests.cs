using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PostTrain.Shipping.Tests.Helm;
using PostTrain.Shipping.Tests.Metrics;

namespace PostTrain.Shipping.Tests;

/// <summary>The Grafana dashboard: it parses, its panels cover the issue's list, and it names only exported metrics.</summary>
public sealed partial class DashboardTests
{
    private static readonly string DashboardPath = Path.Combine(TestPaths.RepoRoot, "charts", "posttrain", "dashboards", "posttrain.json");

    [Fact]
    public void Every_metric_a_panel_or_variable_queries_is_one_the_code_exports()
    {
        var exported = ExportedMetrics.FromInstruments();
        var queries = Queries(Dashboard()).ToList();
        queries.Count.ShouldBeGreaterThan(15);
        var unknown = new List<string>();
        foreach (var (where, expr) in queries)
        {
            var names = PromQlMetricNames.Of(expr);
            names.ShouldNotBeEmpty($"{where}: no metric in '{expr}'");
            unknown.AddRange(names.Where(n => !exported.Contains(n)).Select(n => $"{where}: {n} (in '{expr}')"));
        }

        unknown.ShouldBeEmpty($"metrics the code does not export:\n{string.Join('\n', unknown)}");
    }

    [Fact]
    public async Task The_names_computed_from_instruments_match_a_real_scrape_of_the_worker()
    {
        var computed = ExportedMetrics.FromInstruments();
        var scraped = await ExportedMetrics.ScrapeWorkerAsync();
        var posttrain = scraped.Where(n => n.StartsWith("posttrain_", StringComparison.Ordinal)).ToList();
        posttrain.Count.ShouldBeGreaterThanOrEqualTo(20, "every training figure was recorded");
        posttrain.Where(n => !computed.Contains(n)).ShouldBeEmpty("the exposition names instruments as PrometheusNames says");
        scraped.ShouldContain("process_resident_memory_bytes");
    }

    [Fact]
    public async Task The_names_computed_from_instruments_match_a_real_scrape_of_the_operator()
    {
        var computed = ExportedMetrics.FromInstruments();
        var run = await Rbac.OperatorScenario.RunAsync("posttrain-system", "team-a", []);
        var scraped = ExportedMetrics.SampleNamesOf(run.Metrics).Where(n => n.StartsWith("posttrain_", StringComparison.Ordinal)).ToList();
        scraped.ShouldContain("posttrain_jobs");
        scraped.ShouldContain("posttrain_reconcile_total");
        scraped.ShouldContain("posttrain_reconcile_duration_seconds_bucket");
        scraped.ShouldContain("posttrain_workqueue_depth");
        scraped.Where(n => !computed.Contains(n)).ShouldBeEmpty();
    }

    [Fact]
    public void The_panels_cover_phases_loss_reward_pass_rate_kl_throughput_timings_gpu_memory_and_errors()
    {
        var byMetric = Queries(Dashboard()).SelectMany(q => PromQlMetricNames.Of(q.Expr)).ToHashSet(StringComparer.Ordinal);
        string[] required =
        [
            "posttrain_jobs", "posttrain_train_loss", "posttrain_reward_mean", "posttrain_reward_std", "posttrain_pass_rate", "posttrain_kl",
            "posttrain_train_tokens_per_second", "posttrain_phase_generate_seconds", "posttrain_phase_update_seconds",
            "posttrain_gpu_memory_allocated_bytes", "posttrain_reconcile_total",
        ];
        foreach (var metric in required)
        {
            byMetric.ShouldContain(metric);
        }

        Queries(Dashboard()).ShouldContain(q => q.Expr.Contains("posttrain_reconcile_total{result=~\"error", StringComparison.Ordinal), "a panel shows reconcile errors");
    }

    [Fact]
    public void Panels_are_well_formed_and_do_not_overlap()
    {
        var dashboard = Dashboard();
        ((string?)dashboard["uid"]).ShouldBe("posttrain-overview");
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();
        panels.Select(p => (int)p["id"]!).ShouldBeUnique();
        var cells = new HashSet<(int, int)>();
        foreach (var panel in panels)
        {
            var title = (string)panel["title"]!;
            var grid = panel["gridPos"]!;
            var (x, y, w, h) = ((int)grid["x"]!, (int)grid["y"]!, (int)grid["w"]!, (int)grid["h"]!);
            (x + w).ShouldBeLessThanOrEqualTo(24, title);
            for (var i = x; i < x + w; i++)
            {
                for (var j = y; j < y + h; j++)
                {
                    cells.Add((i, j)).ShouldBeTrue($"panel '{title}' overlaps another at ({i},{j})");
                }
            }

            if ((string?)panel["type"] != "row")
            {
                ((string?)panel["datasource"]!["uid"]).ShouldBe("${datasource}", title);
                panel["targets"]!.AsArray().ShouldNotBeEmpty(title);
            }
        }
    }

    [Fact]
    public async Task The_chart_ships_the_dashboard_in_a_configmap_with_the_sidecar_label()
    {
        var chart = await RenderedChart.RenderAsync();
        var map = chart.OfKind("ConfigMap").Single(c => ((string)c["metadata"]!["name"]!).EndsWith("-dashboard", StringComparison.Ordinal));
        ((string?)map["metadata"]!["labels"]!["grafana_dashboard"]).ShouldBe("1");
        var shipped = JsonNode.Parse((string)map["data"]!["posttrain.json"]!)!;
        JsonNode.DeepEquals(shipped, Dashboard()).ShouldBeTrue("the ConfigMap holds dashboards/posttrain.json unchanged");
    }

    [Fact]
    public async Task Every_query_is_valid_PromQL_for_promtool()
    {
        var promtool = ToolProcess.Find("promtool", "/usr/bin/promtool") ?? throw new FileNotFoundException("promtool is missing: run `make deps` (it installs Debian's prometheus package)");
        var rules = new JsonArray();
        var n = 0;
        foreach (var (_, expr) in Queries(Dashboard()))
        {
            // Grafana's variables become what Grafana would put there; label_values(m, l) is Grafana's, not PromQL: keep m.
            var promql = LabelValuesQuery().Replace(expr, "$1")
                .Replace("$__rate_interval", "5m", StringComparison.Ordinal)
                .Replace("$namespace", ".*", StringComparison.Ordinal)
                .Replace("$job", ".*", StringComparison.Ordinal);
            rules.Add(new JsonObject { ["record"] = $"dashboard:query_{++n}", ["expr"] = promql });
        }

        using var folder = new TempDirectory("posttrain-promql-");
        var file = Path.Combine(folder.Path, "dashboard-rules.json");
        await File.WriteAllTextAsync(file, new JsonObject { ["groups"] = new JsonArray { new JsonObject { ["name"] = "dashboard", ["rules"] = rules } } }.ToJsonString());
        var result = await ToolProcess.RunAsync(promtool, ["check", "rules", file], TimeSpan.FromSeconds(30));
        result.ExitCode.ShouldBe(0, result.StandardOutput + result.StandardError);
        result.StandardOutput.ShouldContain($"SUCCESS: {n} rules found");

        // promtool does reject a broken expression, so the check above means something.
        var broken = new JsonObject { ["record"] = "x:y", ["expr"] = "sum by (phase (posttrain_jobs)" };
        await File.WriteAllTextAsync(file, new JsonObject { ["groups"] = new JsonArray { new JsonObject { ["name"] = "x", ["rules"] = new JsonArray { broken } } } }.ToJsonString());
        (await ToolProcess.RunAsync(promtool, ["check", "rules", file], TimeSpan.FromSeconds(30))).ExitCode.ShouldNotBe(0);
    }

    [Theory]
    [InlineData("sum by (phase) (posttrain_jobs)", "posttrain_jobs")]
    [InlineData("histogram_quantile(0.95, sum by (le, controller) (rate(posttrain_reconcile_duration_seconds_bucket[$__rate_interval])))", "posttrain_reconcile_duration_seconds_bucket")]
    [InlineData("posttrain_train_loss{namespace=~\"$namespace\", job=~\"$job\"} / ignoring(kind) posttrain_kl", "posttrain_kl,posttrain_train_loss")]
    [InlineData("label_values(posttrain_train_steps_total{namespace=~\"$namespace\"}, job)", "posttrain_train_steps_total")]
    [InlineData("rate(x_total[5m] offset 1h) * 1e-3 > bool 0.5", "x_total")]
    public void PromQL_metric_names_are_extracted(string expression, string expected) =>
        PromQlMetricNames.Of(expression).Order(StringComparer.Ordinal).ShouldBe(expected.Split(','));

    private static JsonObject Dashboard()
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{DashboardPath}: not valid JSON: {e.Message}", e);
        }
    }

    private static IEnumerable<(string Where, string Expr)> Queries(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray())
        {
            foreach (var target in panel!["targets"]?.AsArray() ?? [])
            {
                yield return ($"panel '{panel["title"]}' {target!["refId"]}", (string)target["expr"]!);
            }
        }

        foreach (var variable in dashboard["templating"]!["list"]!.AsArray())
        {
            if ((string?)variable!["type"] == "query")
            {
                var query = variable["query"] is JsonObject q ? (string)q["query"]! : (string)variable["query"]!;
                yield return ($"variable ${variable["name"]}", query);
            }
        }
    }

    [GeneratedRegex(@"label_values\(\s*([^,()]+?)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)")]
    private static partial Regex LabelValuesQuery();
}
