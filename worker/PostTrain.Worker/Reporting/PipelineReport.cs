using System.Globalization;
using System.Net;
using System.Text;
using PostTrain.Trainer.Training;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Reporting;

/// <summary>
/// The pipeline's report: the evaluation table as text (for the log) and as a self-contained HTML page with inline SVG
/// curves (loss, validation loss, reward) that opens offline.
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

    /// <summary>The HTML page.</summary>
    public static string Html(string title, IReadOnlyList<JobOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>");
        sb.Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f4f4f4}.bad{color:#b00}</style></head><body>");
        sb.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        sb.Append("<h2>Jobs</h2><table><tr><th>job</th><th>kind</th><th>phase</th><th>checkpoint</th><th>message</th></tr>");
        foreach (var o in outcomes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(o.Name)}</td><td>{E(o.Kind)}</td><td class=\"{(o.Succeeded ? string.Empty : "bad")}\">{E(o.Phase)}</td><td>{E(o.CheckpointUri ?? "")}</td><td>{E(o.Message ?? "")}</td></tr>");
        }

        sb.Append("</table>");
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

        foreach (var o in outcomes.Where(o => o.Series.Values.Any(s => s.Count > 1)))
        {
            sb.Append("<h2>").Append(E($"{o.Kind}/{o.Name}")).Append("</h2>");
            foreach (var (name, values) in o.Series.Where(s => s.Value.Count > 1))
            {
                sb.Append(Chart(name, values));
            }
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    /// <summary>One line chart as inline SVG.</summary>
    public static string Chart(string name, IReadOnlyList<StepValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        const int width = 640, height = 200, pad = 40;
        var finite = values.Where(v => double.IsFinite(v.Value)).ToList();
        if (finite.Count < 2)
        {
            return string.Empty;
        }

        double minX = finite.Min(v => v.Step), maxX = finite.Max(v => v.Step), minY = finite.Min(v => v.Value), maxY = finite.Max(v => v.Value);
        if (maxY - minY < 1e-12)
        {
            maxY = minY + 1;
        }

        string X(double s) => F(pad + ((s - minX) / Math.Max(1e-12, maxX - minX) * (width - (2 * pad))));
        string Y(double v) => F(height - pad - ((v - minY) / (maxY - minY) * (height - (2 * pad))));
        var points = string.Join(" ", finite.Select(v => $"{X(v.Step)},{Y(v.Value)}"));
        return $"<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{E(name)}\">" +
            $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\" stroke=\"#ddd\"/>" +
            $"<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"{points}\"/>" +
            $"<text x=\"{pad}\" y=\"16\" font-size=\"12\">{E(name)}</text>" +
            $"<text x=\"4\" y=\"{pad}\" font-size=\"10\">{F(maxY)}</text><text x=\"4\" y=\"{height - pad}\" font-size=\"10\">{F(minY)}</text>" +
            $"<text x=\"{pad}\" y=\"{height - 8}\" font-size=\"10\">step {F(minX)}</text><text x=\"{width - pad - 40}\" y=\"{height - 8}\" font-size=\"10\">step {F(maxX)}</text>" +
            "</svg></figure>";
    }

    private static string Cell(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        null => "",
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.####", CultureInfo.InvariantCulture),
        _ => node.ToString(),
    };

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
