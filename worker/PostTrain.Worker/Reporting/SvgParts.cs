using System.Globalization;
using System.Net;
using System.Text;

namespace PostTrain.Worker.Reporting;

/// <summary>The pieces the report's charts share: the figure's opening, the value axis's gridlines and labels, number and text formatting.</summary>
internal static class SvgParts
{
    /// <summary>Opens a figure holding an SVG of <paramref name="width"/> × <paramref name="height"/> on white, with its title.</summary>
    public static void Open(StringBuilder sb, string figureClass, int width, int height, string label, string extraAttributes, (int X, int Y, int Size) title, string titleText)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<figure class=\"{figureClass}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(label)}\"{extraAttributes}>");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{title.X}\" y=\"{title.Y}\" font-size=\"{title.Size}\" font-weight=\"600\">{E(titleText)}</text>");
    }

    /// <summary>A horizontal gridline and a label at each tick of the value axis <paramref name="y"/>, between x = <paramref name="left"/> and <paramref name="right"/>.</summary>
    public static void ValueGrid(StringBuilder sb, ChartScale y, int left, int right)
    {
        foreach (var tick in y.Ticks)
        {
            var py = F(y.Pixel(tick));
            sb.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{left}\" x2=\"{right}\" y1=\"{py}\" y2=\"{py}\" stroke=\"#e6e6e6\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{left - 6}\" y=\"{py}\" font-size=\"10\" text-anchor=\"end\" dominant-baseline=\"middle\">{E(y.Label(tick))}</text>");
        }
    }

    /// <summary>A coordinate: at most three decimals, invariant.</summary>
    public static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Text or an attribute value, HTML-encoded.</summary>
    public static string E(string s) => WebUtility.HtmlEncode(s);
}
