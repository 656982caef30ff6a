using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PostTrain.Trainer.Training;
using PostTrain.Worker.Reporting;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary>The pipeline report: the accuracy headline, curves a person can read, phase times and specs, in a real browser.</summary>
public sealed partial class ReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posttrain-report-").FullName;

    /// <summary>
    /// A demo-shaped pipeline: baseline eval, SFT (1,000 loss points, 5 validation points), RLVR, the equal-compute SFT
    /// control, and an eval of SFT, RLVR and the control.
    /// </summary>
    private static List<JobOutcome> Demo()
    {
        static List<StepValue> Curve(int points, int every, Func<int, double> f) => [.. Enumerable.Range(1, points).Select(i => new StepValue(i * every, f(i)))];
        static JsonObject Row(string model, double accuracy) => new() { ["model"] = model, ["source"] = "x", ["examples"] = 400, ["accuracy"] = accuracy, ["predictions"] = "p.jsonl" };
        return
        [
            new() { Kind = "EvalJob", Name = "arithmetic-baseline", Phase = "Succeeded", Table = [Row("baseline", 0)], Duration = TimeSpan.FromSeconds(12.3), Spec = "seed: 1\n" },
            new()
            {
                Kind = "SftJob", Name = "arithmetic-sft", Phase = "Succeeded", Duration = TimeSpan.FromSeconds(271), Spec = "training:\n  maxSteps: 1000\n",
                Series = new Dictionary<string, IReadOnlyList<StepValue>> { ["loss"] = Curve(1000, 1, i => 3.0 / i), ["validation_loss"] = Curve(5, 200, i => 1.0 / i) },
            },
            new()
            {
                Kind = "RlvrJob", Name = "arithmetic-rlvr", Phase = "Succeeded", Duration = TimeSpan.FromSeconds(3725),
                Series = new Dictionary<string, IReadOnlyList<StepValue>> { ["reward_mean"] = Curve(40, 1, i => i / 40.0), ["kl"] = Curve(40, 1, i => 0.01 * i) },
            },
            new() { Kind = "SftJob", Name = "arithmetic-sft-control", Phase = "Succeeded", Duration = TimeSpan.FromSeconds(3700) },
            new() { Kind = "EvalJob", Name = "arithmetic-eval", Phase = "Succeeded", Table = [Row("sft", 0.3375), Row("rlvr", 0.5525), Row("sft-control", 0.21)], Duration = TimeSpan.FromSeconds(30) },
        ];
    }

    [Fact]
    public void Scales_tick_at_nice_values_covering_the_data()
    {
        ChartScale.NiceStep(0.23).ShouldBe(0.25);
        ChartScale.NiceStep(0.7).ShouldBe(1);
        ChartScale.NiceStep(130).ShouldBe(200);
        var accuracy = ChartScale.Covering(0, 57.74, 256, 36, ticks: 6);
        accuracy.Ticks.ShouldBe([0, 20, 40, 60]);
        accuracy.Pixel(0).ShouldBe(256);
        accuracy.Pixel(60).ShouldBe(36);
        var loss = ChartScale.Covering(0.003, 3, 0, 100);
        loss.Ticks.ShouldBe([0, 1, 2, 3]);
        loss.Label(1).ShouldBe("1");
        ChartScale.Covering(0.1, 0.35, 0, 1).Ticks.ShouldBe([0.1, 0.2, 0.3, 0.4]);
        ChartScale.Covering(0.1, 0.35, 0, 1, ticks: 8).Ticks.ShouldBe([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
        ChartScale.Covering(0.1, 0.35, 0, 1, ticks: 8).Label(0.15).ShouldBe("0.15");
        ChartScale.Covering(5, 5, 0, 1).Ticks.Count.ShouldBeGreaterThan(1, "a flat series still gets an axis");
        ChartScale.Covering(1, 3, 0, 1, ticks: 6, integers: true).Ticks.ShouldBe([1, 2, 3], "steps tick at whole numbers");
        ChartScale.Covering(0, 12, 0, 1, ticks: 6, integers: true).Ticks.ShouldBe([0, 5, 10, 15]);
    }

    [Fact]
    public void The_headline_is_a_bar_per_evaluated_model_in_percent_with_its_standard_error_and_test_size()
    {
        var bars = PipelineReport.Headline(Demo());
        bars.Select(b => b.Label).ShouldBe(["baseline", "sft", "rlvr", "sft-control"], "the demo's four bars, in the order the jobs ran");
        // sqrt(0.5525 * 0.4475 / 400) = sqrt(0.24724375 / 400) = sqrt(0.000618109) = 0.0248618
        bars[2].StandardError.ShouldBe(0.0248618, 1e-6);
        bars[0].StandardError.ShouldBe(0);

        var svg = AccuracyChart.Svg(bars);
        BarAccuracies().Matches(svg).Select(m => m.Groups[1].Value).ShouldBe(["0", "33.75", "55.25", "21"]);
        svg.ShouldContain("55.25%");
        svg.ShouldContain("± 2.49 · n = 400");
        svg.ShouldContain("± 2.36 · n = 400");
        svg.ShouldContain("± 2.04 · n = 400"); // sqrt(0.21 * 0.79 / 400) = 0.020365
        svg.ShouldContain("class=\"error\"");
    }

    [Fact]
    public void Curves_have_axes_ticks_gridlines_and_markers_where_the_points_are_few()
    {
        var html = PipelineReport.Html("arithmetic-pipeline", Demo());

        var charts = Charts().Matches(html).Select(m => m.Groups[1].Value).ToList();
        charts.ShouldBe(["loss", "validation_loss", "reward_mean", "kl"]);
        var validation = Figure(html, "validation_loss");
        Regex.Count(validation, "class=\"marker\"").ShouldBe(5);
        Regex.Count(validation, "class=\"grid\"").ShouldBeGreaterThanOrEqualTo(6);
        Regex.Count(validation, "class=\"tick\"").ShouldBeGreaterThanOrEqualTo(6);
        validation.ShouldContain(">step<");
        Regex.Count(Figure(html, "loss"), "class=\"marker\"").ShouldBe(0, "1,000 points are a line, not a smear of dots");
        Regex.Count(Figure(html, "reward_mean"), "class=\"marker\"").ShouldBe(40);
    }

    [Fact]
    public void The_page_gives_phase_times_the_evaluation_table_and_each_jobs_spec()
    {
        var html = PipelineReport.Html("arithmetic-pipeline", Demo());

        html.ShouldContain("<td>12.3 s</td>");
        html.ShouldContain("<td>4m 31s</td>");
        html.ShouldContain("<td>1h 02m 05s</td>");
        html.ShouldContain("<td>1h 01m 40s</td>");
        html.ShouldContain("<th>2h 08m 58s</th>", Case.Sensitive, "the total of the phases (12.3 + 271 + 3725 + 3700 + 30 = 7738.3 s)");
        html.ShouldContain("<pre>training:\n  maxSteps: 1000\n</pre>");
        html.ShouldContain("<td>rlvr</td><td>x</td><td>400</td><td>0.5525</td>");
        html.ShouldNotContain("<script");
        Regex.Matches(html, "(?:src|href)=\"https?://").Count.ShouldBe(0, "nothing is fetched: the page renders offline");
    }

    [Fact]
    public void Headless_chromium_renders_the_charts_without_errors()
    {
        var page = Path.Combine(_dir, "report.html");
        File.WriteAllText(page, PipelineReport.Html("arithmetic-pipeline", Demo()));
        var png = Path.Combine(_dir, "report.png");

        var (dom, domErrors) = Chromium("--dump-dom", new Uri(page).AbsoluteUri);
        var (_, shotErrors) = Chromium($"--screenshot={png}", "--window-size=1100,2600", new Uri(page).AbsoluteUri);

        Regex.Count(dom, "<rect class=\"bar\"").ShouldBe(4, "the headline's bars are in the rendered document");
        Regex.Count(dom, "<figure class=\"chart\">").ShouldBe(4);
        foreach (var errors in new[] { domErrors, shotErrors })
        {
            errors.ShouldNotContain("Uncaught");
            errors.ShouldNotContain(":CONSOLE(");
        }

        File.Exists(png).ShouldBeTrue(shotErrors);
        // The screenshot shows the charts: pixels of the bars' and curves' colours (#2a6fdb, #1f9d55) were painted.
        var colours = PngColours(png);
        colours.ShouldContain("2a6fdb");
        colours.ShouldContain("1f9d55");
        colours.ShouldContain("d97706", "the fourth bar, the control");
    }

    private static string Figure(string html, string title)
    {
        var start = html.IndexOf($"aria-label=\"{title}\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, title);
        return html[start..html.IndexOf("</figure>", start, StringComparison.Ordinal)];
    }

    private (string Stdout, string Stderr) Chromium(params string[] args)
    {
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", $"--user-data-dir={Path.Combine(_dir, "profile")}", .. args])
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("chromium is not installed: run make deps (apt-get install chromium)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit(TimeSpan.FromMinutes(2)).ShouldBeTrue("chromium finishes");
            process.ExitCode.ShouldBe(0, stderr.Result);
            return (stdout.Result, stderr.Result);
        }
    }

    /// <summary>The distinct colours (rrggbb) of a PNG's pixels, decoded by python3's zlib (no imaging library needed).</summary>
    private static HashSet<string> PngColours(string png)
    {
        const string Script = """
            import struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            pos, chunks, width = 8, b'', 0
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8])
                body = data[pos + 8:pos + 8 + n]
                if kind == b'IHDR':
                    width, height, depth, ctype = struct.unpack('>IIBB', body[:10])
                    bpp = {2: 3, 6: 4}[ctype]
                elif kind == b'IDAT':
                    chunks += body
                pos += 12 + n
            raw, stride, prev, out = zlib.decompress(chunks), width * bpp, bytearray(width * bpp), set()
            for y in range(height):
                f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0
                    b = prev[i]
                    c = prev[i - bpp] if i >= bpp else 0
                    if f == 1: line[i] = (line[i] + a) & 255
                    elif f == 2: line[i] = (line[i] + b) & 255
                    elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c
                        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                for x in range(0, stride, bpp):
                    out.add('%02x%02x%02x' % (line[x], line[x + 1], line[x + 2]))
                prev = line
            print('\n'.join(sorted(out)))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(png);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    [GeneratedRegex("data-accuracy=\"([0-9.]+)\"")]
    private static partial Regex BarAccuracies();

    [GeneratedRegex("<figure class=\"chart\"><svg [^>]*aria-label=\"([^\"]+)\"")]
    private static partial Regex Charts();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
