using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PostTrain.Metrics.Tests;

/// <summary>A collector served at <c>/metrics</c> on 127.0.0.1 (Kestrel, <see cref="PrometheusEndpointRouteBuilderExtensions.MapPrometheus"/>) for a scraper to reach.</summary>
internal sealed class ScrapeEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScrapeEndpoint(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port served.</summary>
    public int Port { get; }

    /// <summary>Serves <paramref name="collector"/>, which the caller keeps and disposes.</summary>
    public static async Task<ScrapeEndpoint> StartAsync(PrometheusCollector collector)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(collector);
        var app = builder.Build();
        app.MapPrometheus("/metrics");
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new ScrapeEndpoint(app, address.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
