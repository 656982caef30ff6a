namespace PostTrain.Metrics;

/// <summary>The Prometheus metric type a family is exposed as.</summary>
internal enum MetricKind
{
    /// <summary>Monotonic: Counter and ObservableCounter.</summary>
    Counter,

    /// <summary>Current value: Gauge, ObservableGauge, UpDownCounter, ObservableUpDownCounter.</summary>
    Gauge,

    /// <summary>Histogram with fixed bucket bounds.</summary>
    Histogram,
}
