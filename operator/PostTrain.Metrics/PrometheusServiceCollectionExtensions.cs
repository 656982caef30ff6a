using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PostTrain.Metrics;

/// <summary>Registers Prometheus metrics with dependency injection.</summary>
public static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="PrometheusCollector"/> singleton, started with the host (so measurements made
    /// before the first scrape count), and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, an OTLP push of the
    /// same meters. Serve it with <c>app.MapPrometheus("/metrics")</c>.
    /// </summary>
    /// <example><code>builder.Services.AddPrometheusMetrics(o => o.Meters.Add("PostTrain.Operator"));</code></example>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, Action<PrometheusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new PrometheusOptions();
        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddSingleton(provider => new PrometheusCollector(provider.GetRequiredService<PrometheusOptions>()));
        services.AddSingleton<IHostedService, PrometheusMetricsHostedService>();
        return services;
    }
}
