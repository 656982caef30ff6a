using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace PostTrain.Metrics;

/// <summary>Creates the collector when the host starts, and runs the optional OTLP push for the host's lifetime.</summary>
internal sealed class PrometheusMetricsHostedService(PrometheusCollector collector) : IHostedService, IDisposable
{
    private MeterProvider? _otlp;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _otlp = OtlpMetricsPush.CreateFromEnvironment(collector.Meters);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _otlp?.ForceFlush(5000);
        return Task.CompletedTask;
    }

    public void Dispose() => _otlp?.Dispose();
}
