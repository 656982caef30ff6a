namespace PostTrain.Metrics;

/// <summary>The text formats a scrape can be answered in.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (<c>text/plain; version=0.0.4; charset=utf-8</c>).</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0.0 (<c>application/openmetrics-text; version=1.0.0; charset=utf-8</c>).</summary>
    OpenMetrics,
}
