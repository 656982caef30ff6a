using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PostTrain.Metrics;

namespace PostTrain.Worker.Observability;

/// <summary>
/// The worker's HTTP endpoints on ASP.NET Core (Kestrel, minimal APIs): <c>GET /metrics</c>, the Prometheus exposition
/// of the <see cref="WorkerMetrics.MeterName"/> meter in the format the Accept header asks for, and <c>GET /status</c>,
/// the <see cref="JobProgress.StatusJson"/> document as <c>application/json</c>; HEAD too, 404 elsewhere. The server
/// lives as long as the job: it ignores SIGTERM itself (the job handles it) and stops when disposed. It logs nothing, so
/// the worker's output stays the job's.
/// </summary>
public sealed class WorkerHttpServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private readonly WebApplication _app;

    private WorkerHttpServer(WebApplication app) => _app = app;

    /// <summary>
    /// Starts serving on <paramref name="port"/> of <paramref name="address"/> (an IP address or <c>localhost</c>; every
    /// interface when null), or returns null after saying why on <paramref name="progress"/>'s log when it cannot bind:
    /// the job runs without the endpoints rather than fail.
    /// </summary>
    /// <param name="port">The TCP port (1-65535).</param>
    /// <param name="address">Where to listen; every interface when null or empty.</param>
    /// <param name="progress">The job whose status is served, and the log the outcome is written to.</param>
    /// <param name="cancellationToken">Stops waiting for the server to start.</param>
    /// <returns>The running server, or null.</returns>
    public static async Task<WorkerHttpServer?> TryStartAsync(int port, string? address, JobProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var host = string.IsNullOrEmpty(address) ? null : address;
        WebApplication? app = null;
        try
        {
            app = Build(port, host, progress);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            progress.Message($"serving /metrics and /status on {(host is null ? "port " : host + ":")}{port}");
            return new WorkerHttpServer(app);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            progress.Message($"warning: cannot serve /metrics on port {port} ({e.Message}); continuing without it");
            return null;
        }
    }

    /// <summary>Stops serving (waiting up to 5 s for requests in flight) and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static WebApplication Build(int port, string? host, JobProgress progress)
    {
        // The empty builder reads no configuration files or variables and adds no logging: only what is set here.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (host is null)
            {
                kestrel.ListenAnyIP(port);
            }
            else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                kestrel.ListenLocalhost(port);
            }
            else
            {
                kestrel.Listen(IPAddress.TryParse(host, out var ip) ? ip : throw new FormatException($"{Cli.RunCommand.ListenAddressVariable} '{host}' is not an IP address"), port);
            }
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, JobLifetime>();
        // The collector alone, not AddPrometheusMetrics: that would also start an OTLP push, which the worker never had.
        var options = new PrometheusOptions();
        options.Meters.Add(WorkerMetrics.MeterName);
        builder.Services.AddSingleton(_ => new PrometheusCollector(options));

        var app = builder.Build();
        app.UseRouting();
        app.MapPrometheus("/metrics").WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        app.MapMethods("/status", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            var body = Encoding.UTF8.GetBytes(progress.StatusJson());
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
        return app;
    }

    /// <summary>A host lifetime that leaves signals to the job: the server stops when the job disposes it.</summary>
    private sealed class JobLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
