using System.Text;

namespace PostTrain.Metrics;

/// <summary>A histogram family with fixed bucket upper bounds.</summary>
internal sealed class HistogramFamily : MetricFamily
{
    private readonly SeriesStore<HistogramSeries> _series;
    private readonly double[] _bounds;
    private readonly byte[] _bucketName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;
    private readonly byte[][] _textLe;
    private readonly byte[][] _openMetricsLe;

    public HistogramFamily(string name, string help, string unitWord, double[] bounds, GenerationClock clock)
        : base(name, MetricKind.Histogram, help, unitWord, observable: false, clock)
    {
        _bounds = bounds;
        var bucketCount = bounds.Length + 1;
        _series = new SeriesStore<HistogramSeries>(labels => new HistogramSeries(labels, bucketCount));
        _bucketName = Encoding.UTF8.GetBytes(name + "_bucket");
        _sumName = Encoding.UTF8.GetBytes(name + "_sum");
        _countName = Encoding.UTF8.GetBytes(name + "_count");
        _textLe = LeLabels(bounds, openMetrics: false);
        _openMetricsLe = LeLabels(bounds, openMetrics: true);
    }

    public IReadOnlyList<double> Bounds => _bounds;

    public override int SeriesCount => _series.Count;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var bucket = _bounds.Length;
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (value <= _bounds[i])
            {
                bucket = i;
                break;
            }
        }

        _series.GetOrAdd(tags).Observe(bucket, value);
    }

    public override void WriteSeries(ExpositionWriter writer, int index, long minGeneration)
    {
        var series = _series[index];
        var le = writer.Format == ExpositionFormat.OpenMetrics ? _openMetricsLe : _textLe;
        long cumulative = 0;
        for (var i = 0; i < series.BucketCount; i++)
        {
            cumulative += series.CountIn(i);
            writer.Write(_bucketName);
            writer.Write(series.BucketPrefix);
            writer.Write(le[i]);
            writer.Write(cumulative);
            writer.Write((byte)'\n');
        }

        writer.Write(_sumName);
        writer.Write(series.Braced);
        writer.Write((byte)' ');
        writer.Write(series.Sum);
        writer.Write((byte)'\n');
        writer.Write(_countName);
        writer.Write(series.Braced);
        writer.Write((byte)' ');
        writer.Write(cumulative);
        writer.Write((byte)'\n');
    }

    /// <summary><c>le="0.5"} </c> for each bound and <c>le="+Inf"} </c> last, pre-encoded.</summary>
    private static byte[][] LeLabels(double[] bounds, bool openMetrics)
    {
        var result = new byte[bounds.Length + 1][];
        Span<byte> number = stackalloc byte[40];
        for (var i = 0; i <= bounds.Length; i++)
        {
            var value = i < bounds.Length ? bounds[i] : double.PositiveInfinity;
            var written = ExpositionWriter.FormatDouble(value, number, openMetrics);
            result[i] = [.. "le=\""u8, .. number[..written], .. "\"} "u8];
        }

        return result;
    }
}
