using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PostTrain.Kube.Testing;

/// <summary>
/// An in-process API server on 127.0.0.1 with the kube-apiserver semantics operators depend on
/// (see docs/kube.md): start one per test class, point a client at <see cref="BaseAddress"/>.
/// </summary>
public sealed class TestApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _controllers;
    private readonly Task _controllerLoop;

    private TestApiServer(WebApplication app, ObjectStore store, FaultInjector faults, Uri baseAddress, ConcurrentQueue<RecordedRequest> requests, CancellationTokenSource controllers, Task controllerLoop)
    {
        _controllers = controllers;
        _controllerLoop = controllerLoop;
        _app = app;
        Store = store;
        Faults = faults;
        BaseAddress = baseAddress;
        _requests = requests;
    }

    /// <summary>The server's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Storage, object semantics and the watch history window.</summary>
    public ObjectStore Store { get; }

    /// <summary>The resources served (CRDs created at runtime add to it).</summary>
    public ResourceRegistry Registry => Store.Registry;

    /// <summary>Fault injection: error responses, partitions, dropped watch streams.</summary>
    public FaultInjector Faults { get; }

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Creates a namespace (as <c>kubectl create namespace</c> would) and returns its name; objects may only be created in a namespace that exists.</summary>
    public string CreateNamespace(string name)
    {
        Registry.TryGet("", "v1", "namespaces", out var namespaces);
        Store.Create(namespaces, null, new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name } }, fieldManager: null);
        return name;
    }

    /// <summary>Starts a server.</summary>
    public static async Task<TestApiServer> StartAsync(TestApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TestApiServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (options.ServerCertificate is { } certificate)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        if (options.RequireClientCertificate)
                        {
                            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                            https.AllowAnyClientCertificate();
                        }
                    });
                }
            });
        });
        var app = builder.Build();
        var store = new ObjectStore(new ResourceRegistry(), options.TimeProvider) { HistoryLimit = options.WatchHistoryLimit };
        store.CreateInitialNamespaces();
        var controllers = new CancellationTokenSource();
        var controllerLoop = Task.Run(() => store.RunControllersAsync(controllers.Token), CancellationToken.None);
        var faults = new FaultInjector();
        var requests = new ConcurrentQueue<RecordedRequest>();
        var handler = new ApiRequestHandler(store, faults, options, requests);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new TestApiServer(app, store, faults, uri, requests, controllers, controllerLoop);
    }

    /// <summary>Stops the server, cutting open watches.</summary>
    public async ValueTask DisposeAsync()
    {
        Faults.DropWatches();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        await _controllers.CancelAsync().ConfigureAwait(false);
        await _controllerLoop.ConfigureAwait(false);
        _controllers.Dispose();
    }
}
