using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// The kubelet's HTTP endpoint on 127.0.0.1 (the Node's daemonEndpoints.kubeletEndpoint), through which the API
/// server proxies <c>pods/NAME/log</c>: <c>GET /containerLogs/{namespace}/{pod}/{container}</c> with
/// <c>tailLines</c>, <c>limitBytes</c>, <c>previous</c> and <c>follow</c> (streams until the container exits), and
/// <c>/healthz</c>. Plain HTTP and no authentication, as the test API server expects.
/// </summary>
internal sealed class KubeletServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KubeletServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>Starts the endpoint on <paramref name="port"/> (0: a free one), answering from <paramref name="logs"/>.</summary>
    public static async Task<KubeletServer> StartAsync(int port, Func<Kubelet?> logs, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/containerLogs/{ns}/{pod}/{container}", (HttpContext http, string ns, string pod, string container) => ServeLogAsync(http, logs(), ns, pod, container));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KubeletServer(app, new Uri(address).Port);
    }

    private static async Task ServeLogAsync(HttpContext http, Kubelet? kubelet, string ns, string pod, string container)
    {
        var query = http.Request.Query;
        int? tailLines = int.TryParse(query["tailLines"], NumberStyles.None, CultureInfo.InvariantCulture, out var tail) ? tail : null;
        long? limitBytes = long.TryParse(query["limitBytes"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : null;
        var follow = string.Equals(query["follow"], "true", StringComparison.OrdinalIgnoreCase);
        var previous = string.Equals(query["previous"], "true", StringComparison.OrdinalIgnoreCase);
        if (kubelet is null)
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("the kubelet is starting", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        var (source, error, notFound) = kubelet.FindLog(ns, pod, container, previous);
        if (source is null || !File.Exists(source.Path))
        {
            http.Response.StatusCode = notFound ? 404 : 400;
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync(error ?? $"container \"{container}\" in pod \"{pod}\" has no log yet", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = "text/plain";
        try
        {
            await ContainerLogs.CopyAsync(source.Path, http.Response.Body, tailLines, limitBytes, follow, source.Finished, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
