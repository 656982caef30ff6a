using System.Text;

namespace PostTrain.Metrics;

/// <summary>
/// One metric family (one # TYPE): the instruments that map to its name, and their series. Measurements
/// arrive from the MeterListener on any thread; scrapes read concurrently.
/// </summary>
internal abstract class MetricFamily
{
    private readonly byte[] _textHeader;
    private readonly byte[] _openMetricsHeader;
    private int _instrumentCount;

    protected MetricFamily(string name, MetricKind kind, string help, string unitWord, bool observable, GenerationClock clock)
    {
        Name = name;
        Kind = kind;
        Observable = observable;
        Clock = clock;
        var textName = kind == MetricKind.Counter ? PrometheusNames.CounterSampleName(name) : name;
        var type = kind switch
        {
            MetricKind.Counter => "counter",
            MetricKind.Gauge => "gauge",
            _ => "histogram",
        };
        _textHeader = Encoding.UTF8.GetBytes($"# HELP {textName} {EscapeHelp(help, openMetrics: false)}\n# TYPE {textName} {type}\n");
        var unitLine = unitWord.Length > 0 && name.EndsWith("_" + unitWord, StringComparison.Ordinal) ? $"# UNIT {name} {unitWord}\n" : "";
        _openMetricsHeader = Encoding.UTF8.GetBytes($"# HELP {name} {EscapeHelp(help, openMetrics: true)}\n# TYPE {name} {type}\n{unitLine}");
    }

    /// <summary>The family name (for counters without _total).</summary>
    public string Name { get; }

    public MetricKind Kind { get; }

    /// <summary>True when its instruments are observable: only series reported by the latest callbacks are exposed.</summary>
    public bool Observable { get; }

    protected GenerationClock Clock { get; }

    public abstract int SeriesCount { get; }

    /// <summary>Records one measurement.</summary>
    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Writes series <paramref name="index"/> unless it is an observable series not reported since <paramref name="minGeneration"/>.</summary>
    public abstract void WriteSeries(ExpositionWriter writer, int index, long minGeneration);

    public void WriteHeader(ExpositionWriter writer) =>
        writer.Write(writer.Format == ExpositionFormat.OpenMetrics ? _openMetricsHeader : _textHeader);

    /// <summary>Counts an instrument in (several instruments may share a family).</summary>
    public void AddInstrument() => Interlocked.Increment(ref _instrumentCount);

    /// <summary>Counts an instrument out; true when none is left and the family should leave the exposition.</summary>
    public bool RemoveInstrument() => Interlocked.Decrement(ref _instrumentCount) == 0;

    protected bool IsVisible(Series series, long minGeneration) => !Observable || series.ObservedGeneration >= minGeneration;

    private static string EscapeHelp(string help, bool openMetrics)
    {
        var sb = new StringBuilder(help.Length);
        foreach (var c in help)
        {
            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '"' when openMetrics:
                    sb.Append("\\\"");
                    break;
                case '\r':
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }
}
