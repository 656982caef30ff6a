using System.Globalization;
using System.Text;
using PostTrain.Trainer.Training;

using static PostTrain.Worker.Reporting.SvgParts;

namespace PostTrain.Worker.Reporting;

/// <summary>One curve over training steps as inline SVG: axes with ticks and gridlines, axis titles, markers at the points.</summary>
public static class LineChart
{
    /// <summary>Series with at most this many points get a marker at each point (longer ones would be a smear).</summary>
    public const int MarkerLimit = 60;

    private const int Width = 480, Height = 240, Left = 64, Right = 16, Top = 30, Bottom = 44;

    /// <summary>The chart of <paramref name="values"/> (non-finite values left out); empty when fewer than two remain.</summary>
    /// <param name="title">The curve's name, e.g. validation_loss.</param>
    /// <param name="values">The points.</param>
    public static string Svg(string title, IReadOnlyList<StepValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var finite = values.Where(v => double.IsFinite(v.Value)).ToList();
        if (finite.Count < 2)
        {
            return string.Empty;
        }

        var x = ChartScale.Covering(finite.Min(v => v.Step), finite.Max(v => v.Step), Left, Width - Right, ticks: 6, integers: true);
        var y = ChartScale.Covering(finite.Min(v => v.Value), finite.Max(v => v.Value), Height - Bottom, Top, ticks: 5);
        var sb = new StringBuilder();
        SvgParts.Open(sb, "chart", Width, Height, title, $" data-points=\"{finite.Count}\"", (Left, 18, 13), title);
        SvgParts.ValueGrid(sb, y, Left, Width - Right);

        foreach (var tick in x.Ticks)
        {
            var px = F(x.Pixel(tick));
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{px}\" x2=\"{px}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#f0f0f0\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{px}\" y=\"{Height - Bottom + 14}\" font-size=\"10\" text-anchor=\"middle\">{E(x.Label(tick))}</text>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#444\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" font-size=\"11\" text-anchor=\"middle\">step</text>");
        var points = string.Join(" ", finite.Select(v => $"{F(x.Pixel(v.Step))},{F(y.Pixel(v.Value))}"));
        sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"1.8\" points=\"{points}\"/>");
        if (finite.Count <= MarkerLimit)
        {
            foreach (var v in finite)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"marker\" cx=\"{F(x.Pixel(v.Step))}\" cy=\"{F(y.Pixel(v.Value))}\" r=\"3\" fill=\"#2a6fdb\"><title>step {v.Step}: {F(v.Value)}</title></circle>");
            }
        }

        sb.Append("</svg></figure>");
        return sb.ToString();
    }
}
