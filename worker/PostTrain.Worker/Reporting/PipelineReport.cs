using System.Globalization;
using System.Net;
using System.Text;
using PostTrain.Trainer.Training;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Reporting;

/// <summary>
/// The pipeline's report: the evaluation table as text (for the log) and a self-contained HTML page with inline SVG
/// charts (<see cref="AccuracyChart"/>, <see cref="LineChart"/>) that opens offline.
/// </summary>
public static class PipelineReport
{
    /// <summary>The evaluation rows of every EvalJob, as an aligned text table.</summary>
    public static string Table(IReadOnlyList<JobOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var rows = outcomes.SelectMany(o => o.Table.Select(r => (Job: o.Name, Row: r))).ToList();
        if (rows.Count == 0)
        {
            return string.Empty;
        }

        var columns = new List<string> { "job" };
        columns.AddRange(rows.SelectMany(r => r.Row.Select(kv => kv.Key)).Where(k => k != "source").Distinct(StringComparer.Ordinal));
        var cells = rows.Select(r => columns.Select(c => c == "job" ? r.Job : Cell(r.Row[c])).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Max(row => row[i].Length))).ToList();
        var sb = new StringBuilder();
        sb.AppendLine(string.Join("  ", columns.Select((c, i) => c.PadRight(widths[i]))));
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            sb.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))));
        }

        return sb.ToString();
    }

    /// <summary>
    /// The HTML page, one self-contained file with no script that renders offline: the accuracy headline (a bar per
    /// evaluated model, in percent, with its standard error and test-set size), the jobs with their phase times, the
    /// evaluation table, every job's curves (axes, ticks, gridlines, markers) and each job's spec.
    /// </summary>
    public static string Html(string title, IReadOnlyList<JobOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>");
        sb.Append("<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}")
          .Append("table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
          .Append("th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.bad{color:#b00}")
          .Append("figure{margin:0.5em 0}figcaption{font-size:0.85em;color:#555}.charts{display:flex;flex-wrap:wrap;gap:8px}")
          .Append("pre{background:#f7f7f7;padding:0.6em;overflow-x:auto;font-size:0.85em}</style></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1>");

        var bars = Headline(outcomes);
        if (bars.Count > 0)
        {
            sb.Append("<h2>Accuracy</h2>").Append(AccuracyChart.Svg(bars));
        }

        sb.Append("<h2>Jobs</h2><table><tr><th>job</th><th>kind</th><th>phase</th><th>time</th><th>checkpoint</th><th>message</th></tr>");
        foreach (var o in outcomes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(o.Name)}</td><td>{E(o.Kind)}</td><td class=\"{(o.Succeeded ? string.Empty : "bad")}\">{E(o.Phase)}</td><td>{E(Time(o.Duration))}</td><td>{E(o.CheckpointUri ?? "")}</td><td>{E(o.Message ?? "")}</td></tr>");
        }

        var total = outcomes.Where(o => o.Duration is not null).Sum(o => o.Duration!.Value.TotalSeconds);
        sb.Append(CultureInfo.InvariantCulture, $"<tr><th>all</th><th></th><th></th><th>{E(Time(TimeSpan.FromSeconds(total)))}</th><th></th><th></th></tr></table>");
        var table = outcomes.SelectMany(o => o.Table.Select(r => (Job: o.Name, Row: r))).ToList();
        if (table.Count > 0)
        {
            var columns = table.SelectMany(r => r.Row.Select(kv => kv.Key)).Distinct(StringComparer.Ordinal).ToList();
            sb.Append("<h2>Evaluation</h2><table><tr><th>job</th>");
            foreach (var c in columns)
            {
                sb.Append("<th>").Append(E(c)).Append("</th>");
            }

            sb.Append("</tr>");
            foreach (var (job, row) in table)
            {
                sb.Append("<tr><td>").Append(E(job)).Append("</td>");
                foreach (var c in columns)
                {
                    sb.Append("<td>").Append(E(row[c] is null ? "" : Cell(row[c]))).Append("</td>");
                }

                sb.Append("</tr>");
            }

            sb.Append("</table>");
        }

        foreach (var o in outcomes)
        {
            var charts = o.Series.Where(s => s.Value.Count > 1).Select(s => LineChart.Svg(s.Key, s.Value)).Where(c => c.Length > 0).ToList();
            if (charts.Count == 0 && o.Spec is null)
            {
                continue;
            }

            sb.Append("<h2>").Append(E($"{o.Kind}/{o.Name}")).Append("</h2>");
            if (charts.Count > 0)
            {
                sb.Append("<div class=\"charts\">").Append(string.Concat(charts)).Append("</div>");
            }

            if (o.Spec is not null)
            {
                sb.Append("<details><summary>spec</summary><pre>").Append(E(o.Spec)).Append("</pre></details>");
            }
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>
    /// The headline's bars: every evaluated model with an accuracy and a number of examples, in pipeline order (the
    /// demo's baseline, sft, rlvr); a model measured by several EvalJobs is labelled with its job too.
    /// </summary>
    public static IReadOnlyList<AccuracyBar> Headline(IReadOnlyList<JobOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var rows = outcomes.Where(o => o.Succeeded).SelectMany(o => o.Table.Select(r => (Job: o.Name, Row: r)))
            .Select(r => (r.Job, Model: (string?)r.Row["model"], Accuracy: Number(r.Row["accuracy"]), Examples: Number(r.Row["examples"])))
            .Where(r => r.Model is not null && r.Accuracy is not null && r.Examples is > 0)
            .ToList();
        var repeated = rows.GroupBy(r => r.Model, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        return [.. rows.Select(r => new AccuracyBar(repeated.Contains(r.Model) ? $"{r.Model} ({r.Job})" : r.Model!, r.Accuracy!.Value, (int)r.Examples!.Value))];
    }

    private static double? Number(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)
            : null;

    private static string Time(TimeSpan? duration) => duration is not { } d ? "" : d.TotalHours >= 1
        ? d.ToString(@"h\h\ mm\m\ ss\s", CultureInfo.InvariantCulture)
        : d.TotalMinutes >= 1 ? d.ToString(@"m\m\ ss\s", CultureInfo.InvariantCulture) : d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string Cell(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        null => "",
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.####", CultureInfo.InvariantCulture),
        _ => node.ToString(),
    };

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
