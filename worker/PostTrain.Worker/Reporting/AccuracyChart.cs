using System.Globalization;
using System.Text;

using static PostTrain.Worker.Reporting.SvgParts;

namespace PostTrain.Worker.Reporting;

/// <summary>One bar of the headline: a model's accuracy on a test set of <see cref="Examples"/> problems.</summary>
/// <param name="Label">The model, e.g. baseline, sft, rlvr.</param>
/// <param name="Accuracy">The fraction right, 0 to 1.</param>
/// <param name="Examples">How many test problems it was measured on.</param>
public sealed record AccuracyBar(string Label, double Accuracy, int Examples)
{
    /// <summary>The binomial standard error of the accuracy, √(p(1−p)/n), as a fraction.</summary>
    public double StandardError => Examples > 0 ? Math.Sqrt(Accuracy * (1 - Accuracy) / Examples) : 0;
}

/// <summary>The report's headline: accuracy per model as a bar chart in percent, with ±1 standard error bars.</summary>
public static class AccuracyChart
{
    private const int Height = 300, Left = 56, Right = 16, Top = 36, Bottom = 56, BarWidth = 90, Gap = 40;

    /// <summary>The chart; empty without bars.</summary>
    public static string Svg(IReadOnlyList<AccuracyBar> bars)
    {
        ArgumentNullException.ThrowIfNull(bars);
        if (bars.Count == 0)
        {
            return string.Empty;
        }

        var width = Left + Right + Gap + (bars.Count * (BarWidth + Gap));
        var top = Math.Min(1, bars.Max(b => b.Accuracy + b.StandardError));
        var y = ChartScale.Covering(0, Math.Max(0.1, top) * 100, Height - Bottom, Top, ticks: 6);
        var sb = new StringBuilder();
        SvgParts.Open(sb, "headline", width, Height, "accuracy", "", (Left, 20, 14), "Accuracy (%)");
        SvgParts.ValueGrid(sb, y, Left, width - Right);

        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        string[] colours = ["#9aa5b1", "#2a6fdb", "#1f9d55", "#d97706", "#7c3aed"];
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            var x = Left + Gap + (i * (BarWidth + Gap));
            var percent = bar.Accuracy * 100;
            var se = bar.StandardError * 100;
            var barTop = y.Pixel(percent);
            sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{x}\" y=\"{F(barTop)}\" width=\"{BarWidth}\" height=\"{F(y.Pixel(0) - barTop)}\" fill=\"{colours[i % colours.Length]}\" data-accuracy=\"{F(percent)}\"><title>{E(bar.Label)}: {F2(percent)}% ± {F2(se)} (n = {bar.Examples})</title></rect>");
            if (se > 0)
            {
                var cx = x + (BarWidth / 2);
                var hi = F(y.Pixel(Math.Min(100, percent + se)));
                var lo = F(y.Pixel(Math.Max(0, percent - se)));
                sb.Append(CultureInfo.InvariantCulture, $"<path class=\"error\" d=\"M{cx},{lo}V{hi}M{cx - 8},{hi}H{cx + 8}M{cx - 8},{lo}H{cx + 8}\" stroke=\"#222\" fill=\"none\"/>");
            }

            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BarWidth / 2)}\" y=\"{F(y.Pixel(Math.Min(100, percent + se)) - 6)}\" font-size=\"12\" font-weight=\"600\" text-anchor=\"middle\">{F2(percent)}%</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BarWidth / 2)}\" y=\"{Height - Bottom + 16}\" font-size=\"12\" text-anchor=\"middle\">{E(bar.Label)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BarWidth / 2)}\" y=\"{Height - Bottom + 30}\" font-size=\"10\" fill=\"#555\" text-anchor=\"middle\">± {F2(se)} · n = {bar.Examples}</text>");
        }

        sb.Append("</svg><figcaption>Accuracy on held-out test problems; error bars are ±1 standard error, √(p(1−p)/n).</figcaption></figure>");
        return sb.ToString();
    }

    private static string F2(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
