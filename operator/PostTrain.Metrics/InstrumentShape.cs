using System.Diagnostics.Metrics;

namespace PostTrain.Metrics;

/// <summary>What an instrument becomes in Prometheus, and the bucket bounds it advises.</summary>
internal static class InstrumentShape
{
    /// <summary>The metric kind, and whether measurements are increments (true) or values (false); null for unknown instrument types.</summary>
    public static (MetricKind Kind, bool Adds)? Of(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return (MetricKind.Counter, true);
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return (MetricKind.Counter, false);
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return (MetricKind.Gauge, true);
        }

        if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>))
        {
            return (MetricKind.Gauge, false);
        }

        if (definition == typeof(Histogram<>))
        {
            return (MetricKind.Histogram, false);
        }

        return null;
    }

    /// <summary>The bounds from <c>InstrumentAdvice&lt;T&gt;.HistogramBucketBoundaries</c>, or null.</summary>
    public static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<short> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<byte> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<decimal> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };
}
