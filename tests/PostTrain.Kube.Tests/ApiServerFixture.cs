using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>One test API server per test class, with a client pointed at it.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private int _namespaces;

    public TestApiServer Server { get; private set; } = null!;

    public KubernetesClient Client { get; private set; } = null!;

    /// <summary>A fresh namespace name, so tests in one class do not see each other's objects.</summary>
    public string NewNamespace() => Server.CreateNamespace($"ns-{Interlocked.Increment(ref _namespaces)}");

    public KubernetesClient NewClient(string userAgent = "test-client/1.0", TimeSpan? timeout = null) =>
        new(KubeClientConfig.ForServer(Server.BaseAddress, userAgent: userAgent, requestTimeout: timeout ?? TimeSpan.FromSeconds(10)));

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        Client = NewClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
