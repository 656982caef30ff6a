namespace PostTrain.Metrics;

/// <summary>A counter or gauge family.</summary>
internal sealed class ScalarFamily : MetricFamily
{
    private readonly SeriesStore<ScalarSeries> _series = new(labels => new ScalarSeries(labels));
    private readonly byte[] _sampleName;
    private readonly bool _adds;

    // adds: true for Counter and UpDownCounter (measurements are increments); false when they are the value itself.
    public ScalarFamily(string name, MetricKind kind, string help, string unitWord, bool observable, bool adds, GenerationClock clock)
        : base(name, kind, help, unitWord, observable, clock)
    {
        _adds = adds;
        _sampleName = System.Text.Encoding.UTF8.GetBytes(kind == MetricKind.Counter ? PrometheusNames.CounterSampleName(name) : name);
    }

    public override int SeriesCount => _series.Count;

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (double.IsNaN(value) || (Kind == MetricKind.Counter && value < 0))
        {
            return; // a counter never goes down, nor reports a negative total
        }

        var series = _series.GetOrAdd(tags);
        if (_adds)
        {
            series.Add(value);
        }
        else
        {
            series.Set(value);
        }

        if (Observable)
        {
            series.MarkObserved(Clock.Current);
        }
    }

    public override void WriteSeries(ExpositionWriter writer, int index, long minGeneration)
    {
        var series = _series[index];
        if (!IsVisible(series, minGeneration))
        {
            return;
        }

        writer.Write(_sampleName);
        writer.Write(series.Braced);
        writer.Write((byte)' ');
        writer.Write(series.Value);
        writer.Write((byte)'\n');
    }
}
