using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace PostTrain.Metrics;

/// <summary>Maps the Prometheus scrape endpoint in ASP.NET Core.</summary>
public static class PrometheusEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Answers GET <paramref name="pattern"/> with the collector registered by
    /// <see cref="PrometheusServiceCollectionExtensions.AddPrometheusMetrics"/>, in the format the Accept header asks for.
    /// </summary>
    /// <example><code>app.MapPrometheus("/metrics");</code></example>
    public static IEndpointConventionBuilder MapPrometheus(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<PrometheusCollector>() is null)
        {
            throw new InvalidOperationException("MapPrometheus needs services.AddPrometheusMetrics(...) to be called first.");
        }

        return endpoints.MapGet(pattern, async context =>
        {
            var collector = context.RequestServices.GetRequiredService<PrometheusCollector>();
            var format = collector.Negotiate(context.Request.Headers.Accept.ToString());
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = ExpositionFormats.ContentType(format);
            await collector.WriteAsync(context.Response.Body, format, context.RequestAborted).ConfigureAwait(false);
        });
    }
}
