namespace PostTrain.Worker.Reporting;

/// <summary>
/// A chart axis: "nice" tick values (1, 2 or 5 times a power of ten apart) that cover a data range, and the mapping
/// from a value to a pixel.
/// </summary>
public sealed class ChartScale
{
    private ChartScale(double min, double max, double step, double pixelFrom, double pixelTo)
    {
        Min = min;
        Max = max;
        Step = step;
        _pixelFrom = pixelFrom;
        _pixelTo = pixelTo;
    }

    private readonly double _pixelFrom;
    private readonly double _pixelTo;

    /// <summary>The axis start: the first tick, at or below the smallest value.</summary>
    public double Min { get; }

    /// <summary>The axis end: the last tick, at or above the largest value.</summary>
    public double Max { get; }

    /// <summary>The distance between ticks.</summary>
    public double Step { get; }

    /// <summary>The tick values from <see cref="Min"/> to <see cref="Max"/>.</summary>
    public IReadOnlyList<double> Ticks
    {
        get
        {
            var count = (int)Math.Round((Max - Min) / Step);
            return [.. Enumerable.Range(0, count + 1).Select(i => Math.Round(Min + (i * Step), 12))];
        }
    }

    /// <summary>The scale covering <paramref name="low"/>..<paramref name="high"/> with about <paramref name="ticks"/> ticks, drawn from pixel <paramref name="pixelFrom"/> (at Min) to <paramref name="pixelTo"/> (at Max).</summary>
    /// <param name="low">The smallest value.</param>
    /// <param name="high">The largest value.</param>
    /// <param name="pixelFrom">The pixel of the axis start.</param>
    /// <param name="pixelTo">The pixel of the axis end.</param>
    /// <param name="ticks">About how many ticks.</param>
    /// <param name="integers">Ticks at whole numbers only (steps, counts).</param>
    public static ChartScale Covering(double low, double high, double pixelFrom, double pixelTo, int ticks = 5, bool integers = false)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high))
        {
            throw new ArgumentException("the range must be finite");
        }

        if (high < low)
        {
            (low, high) = (high, low);
        }

        if (high - low < 1e-12)
        {
            var pad = Math.Abs(low) > 1e-12 ? Math.Abs(low) * 0.1 : 1;
            (low, high) = (low - pad, high + pad);
        }

        var step = NiceStep((high - low) / Math.Max(1, ticks - 1));
        if (integers && step != Math.Floor(step))
        {
            step = step < 1 ? 1 : NiceStep(Math.Ceiling(step) + 0.5);
        }

        var min = Math.Floor((low / step) + 1e-9) * step;
        var max = Math.Ceiling((high / step) - 1e-9) * step;
        return new ChartScale(min, max, step, pixelFrom, pixelTo);
    }

    /// <summary>The pixel of <paramref name="value"/> on this axis.</summary>
    public double Pixel(double value) => _pixelFrom + ((value - Min) / (Max - Min) * (_pixelTo - _pixelFrom));

    /// <summary>A tick label: as few digits as the tick distance needs.</summary>
    public string Label(double value)
    {
        var decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(Step) + 1e-9), 0, 6);
        var rounded = Math.Round(value, decimals);
        return Math.Abs(rounded) >= 1e5 || (Math.Abs(rounded) > 0 && Math.Abs(rounded) < 1e-4)
            ? rounded.ToString("0.##E+0", System.Globalization.CultureInfo.InvariantCulture)
            : rounded.ToString("N" + decimals.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The nice step (1, 2, 2.5 or 5 × 10^k) at or above <paramref name="raw"/>.</summary>
    public static double NiceStep(double raw)
    {
        if (raw <= 0 || !double.IsFinite(raw))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / power;
        var nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 2.5 + 1e-9 ? 2.5 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * power;
    }
}
