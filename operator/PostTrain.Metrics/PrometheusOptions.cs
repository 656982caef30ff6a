namespace PostTrain.Metrics;

/// <summary>What a <see cref="PrometheusCollector"/> collects and how it names and buckets it.</summary>
public sealed class PrometheusOptions
{
    /// <summary>
    /// Names of the meters to collect, e.g. "PostTrain.Worker". A name ending in ".*" takes every meter
    /// whose name starts with what precedes the star (e.g. "PostTrain.*").
    /// </summary>
    public ICollection<string> Meters { get; } = new List<string>();

    /// <summary>
    /// Further selects among the meters <see cref="Meters"/> names: only those this returns true for are collected (the
    /// process and runtime meters are not filtered). For a process holding several meters of one name, e.g. several
    /// hosts in one test process, each collecting only its own meter instance.
    /// </summary>
    public Func<System.Diagnostics.Metrics.Meter, bool>? MeterFilter { get; set; }

    /// <summary>
    /// Histogram bucket upper bounds by instrument name (the .NET instrument name, e.g.
    /// "posttrain.reconcile.duration"). Wins over the instrument's own advice and over <see cref="DefaultHistogramBuckets"/>.
    /// </summary>
    public IDictionary<string, double[]> HistogramBuckets { get; } = new Dictionary<string, double[]>(StringComparer.Ordinal);

    /// <summary>
    /// Bucket upper bounds for histograms with neither an override here nor
    /// <c>InstrumentAdvice&lt;T&gt;.HistogramBucketBoundaries</c>: Prometheus's defaults, suited to seconds.
    /// </summary>
    public IReadOnlyList<double> DefaultHistogramBuckets { get; set; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Collect process metrics under Prometheus's standard names (process_cpu_seconds_total, process_resident_memory_bytes, ...).</summary>
    public bool IncludeProcessMetrics { get; set; } = true;

    /// <summary>Collect the .NET runtime's own "System.Runtime" meter (GC, heap, thread pool, exceptions, ...).</summary>
    public bool IncludeRuntimeMetrics { get; set; } = true;

    /// <summary>Answer OpenMetrics when the scraper asks for it; false always answers text 0.0.4.</summary>
    public bool EnableOpenMetrics { get; set; } = true;

    /// <summary>A copy, so a collector is not affected by later changes to these options.</summary>
    internal PrometheusOptions Clone()
    {
        var copy = new PrometheusOptions
        {
            DefaultHistogramBuckets = DefaultHistogramBuckets?.ToArray()!,
            IncludeProcessMetrics = IncludeProcessMetrics,
            IncludeRuntimeMetrics = IncludeRuntimeMetrics,
            EnableOpenMetrics = EnableOpenMetrics,
            MeterFilter = MeterFilter,
        };
        foreach (var meter in Meters)
        {
            copy.Meters.Add(meter);
        }

        foreach (var (name, bounds) in HistogramBuckets)
        {
            copy.HistogramBuckets[name] = bounds?.ToArray()!;
        }

        return copy;
    }
}
