using System.Diagnostics.Metrics;
using System.Text;

namespace PostTrain.Metrics;

/// <summary>
/// Listens to System.Diagnostics.Metrics instruments of the configured meters and writes them in the
/// Prometheus text format 0.0.4 or OpenMetrics 1.0. Counters become counters (<c>_total</c>), gauges and
/// up-down counters gauges, histograms histograms; tags become labels; units become name suffixes.
/// Create it before the instruments are used (it only sees measurements made while it listens) and
/// dispose it to stop listening. Thread-safe: measurements and scrapes may run concurrently.
/// </summary>
public sealed class PrometheusCollector : IDisposable
{
    /// <summary>The name of the .NET runtime's own meter, collected when <see cref="PrometheusOptions.IncludeRuntimeMetrics"/> is set.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    private readonly PrometheusOptions _options;
    private readonly MeterListener _listener = new();
    private readonly GenerationClock _clock = new();
    private readonly Lock _registryGate = new();
    private readonly Lock _observeGate = new();
    private readonly Dictionary<string, MetricFamily> _byName = new(StringComparer.Ordinal);
    private readonly List<string> _ignored = [];
    private MetricFamily[] _families = [];
    private bool _disposed;

    /// <summary>Starts listening to the meters named in <paramref name="options"/> (a copy is taken).</summary>
    /// <exception cref="ArgumentException">A bucket list in the options is empty, unsorted or not finite; the message names it.</exception>
    public PrometheusCollector(PrometheusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        ValidateBuckets("DefaultHistogramBuckets", _options.DefaultHistogramBuckets);
        foreach (var (name, bounds) in _options.HistogramBuckets)
        {
            ValidateBuckets($"HistogramBuckets[\"{name}\"]", bounds);
        }

        if (_options.IncludeProcessMetrics)
        {
            ProcessMetrics.EnsureCreated();
        }

        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.MeasurementsCompleted = OnMeasurementsCompleted;
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>The meters collected, as configured (including the process and runtime meters when enabled).</summary>
    public IReadOnlyList<string> Meters => EffectiveMeters().ToList();

    /// <summary>
    /// Instruments left out because their Prometheus name is already taken by an instrument of another
    /// type (or a histogram with other buckets), as "meter/instrument → name".
    /// </summary>
    public IReadOnlyList<string> IgnoredInstruments
    {
        get
        {
            lock (_registryGate)
            {
                return _ignored.ToList();
            }
        }
    }

    /// <summary>The format to answer a scrape with the given Accept header (text 0.0.4 unless OpenMetrics is asked for and enabled).</summary>
    public ExpositionFormat Negotiate(string? acceptHeader) => ExpositionFormats.Negotiate(acceptHeader, _options.EnableOpenMetrics);

    /// <summary>
    /// Runs the observable instruments' callbacks, then writes every family to <paramref name="destination"/>
    /// in <paramref name="format"/> (OpenMetrics ends with <c># EOF</c>). Families come sorted by name, series
    /// in the order they first appeared. Output is flushed in pieces of about 32 KiB.
    /// </summary>
    public async Task WriteAsync(Stream destination, ExpositionFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        long generation;
        lock (_observeGate)
        {
            generation = _clock.Advance();
            _listener.RecordObservableInstruments();
        }

        using var writer = new ExpositionWriter(format);
        foreach (var family in Volatile.Read(ref _families))
        {
            family.WriteHeader(writer);
            var count = family.SeriesCount;
            for (var i = 0; i < count; i++)
            {
                family.WriteSeries(writer, i, generation);
                if (writer.Length >= ExpositionWriter.FlushThreshold)
                {
                    await writer.FlushAsync(destination, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (format == ExpositionFormat.OpenMetrics)
        {
            writer.Write("# EOF\n"u8);
        }

        await writer.FlushAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One scrape as a string (for tests, tools and debugging).</summary>
    public async Task<string> ScrapeAsync(ExpositionFormat format, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await WriteAsync(buffer, format, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Stops listening; later scrapes throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        Volatile.Write(ref _disposed, true);
        _listener.Dispose();
    }

    private IEnumerable<string> EffectiveMeters()
    {
        foreach (var meter in _options.Meters)
        {
            yield return meter;
        }

        if (_options.IncludeProcessMetrics)
        {
            yield return ProcessMetrics.MeterName;
        }

        if (_options.IncludeRuntimeMetrics)
        {
            yield return RuntimeMeterName;
        }
    }

    private bool IsCollected(Meter meter)
    {
        if (meter.Name is not (ProcessMetrics.MeterName or RuntimeMeterName) && _options.MeterFilter is { } filter && !filter(meter))
        {
            return false;
        }

        foreach (var pattern in EffectiveMeters())
        {
            if (pattern.EndsWith(".*", StringComparison.Ordinal)
                ? meter.Name.StartsWith(pattern[..^1], StringComparison.Ordinal) || meter.Name == pattern[..^2]
                : meter.Name == pattern)
            {
                return true;
            }
        }

        return false;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!IsCollected(instrument.Meter))
        {
            return;
        }

        var family = GetOrCreateFamily(instrument);
        if (family is not null)
        {
            listener.EnableMeasurementEvents(instrument, family);
        }
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family || !family.RemoveInstrument())
        {
            return;
        }

        lock (_registryGate)
        {
            if (_byName.TryGetValue(family.Name, out var current) && ReferenceEquals(current, family))
            {
                _byName.Remove(family.Name);
                PublishFamilies();
            }
        }
    }

    private MetricFamily? GetOrCreateFamily(Instrument instrument)
    {
        var shape = InstrumentShape.Of(instrument);
        if (shape is null)
        {
            return null;
        }

        var (kind, adds) = shape.Value;
        var name = PrometheusNames.FamilyName(instrument.Name, instrument.Unit, isGauge: kind == MetricKind.Gauge);
        var unitWord = PrometheusNames.UnitWord(instrument.Unit, isGauge: kind == MetricKind.Gauge);
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        double[]? bounds = kind == MetricKind.Histogram ? HistogramBounds(instrument) : null;

        lock (_registryGate)
        {
            if (_byName.TryGetValue(name, out var existing))
            {
                var compatible = existing.Kind == kind && existing.Observable == instrument.IsObservable
                    && (existing is not HistogramFamily histogram || histogram.Bounds.SequenceEqual(bounds!));
                if (!compatible)
                {
                    _ignored.Add($"{instrument.Meter.Name}/{instrument.Name} → {name}");
                    return null;
                }

                existing.AddInstrument();
                return existing;
            }

            MetricFamily family = kind == MetricKind.Histogram
                ? new HistogramFamily(name, help, unitWord, bounds!, _clock)
                : new ScalarFamily(name, kind, help, unitWord, instrument.IsObservable, adds, _clock);
            family.AddInstrument();
            _byName.Add(name, family);
            PublishFamilies();
            return family;
        }
    }

    private double[] HistogramBounds(Instrument instrument)
    {
        if (_options.HistogramBuckets.TryGetValue(instrument.Name, out var configured))
        {
            return configured;
        }

        var advised = InstrumentShape.AdvisedBuckets(instrument);
        if (advised is { Length: > 0 } && IsValidBuckets(advised))
        {
            return advised;
        }

        return _options.DefaultHistogramBuckets.ToArray();
    }

    private void PublishFamilies()
    {
        var families = _byName.Values.ToArray();
        Array.Sort(families, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        Volatile.Write(ref _families, families);
    }

    private static bool IsValidBuckets(IReadOnlyList<double> bounds)
    {
        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                return false;
            }
        }

        return true;
    }

    private static void ValidateBuckets(string what, IReadOnlyList<double>? bounds)
    {
        if (bounds is null || bounds.Count == 0)
        {
            throw new ArgumentException($"PrometheusOptions.{what}: at least one bucket bound is needed.");
        }

        if (!IsValidBuckets(bounds))
        {
            throw new ArgumentException($"PrometheusOptions.{what}: bounds must be finite and strictly increasing (+Inf is implied), got [{string.Join(", ", bounds)}].");
        }
    }
}
