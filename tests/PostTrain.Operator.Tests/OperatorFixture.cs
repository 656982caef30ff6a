using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>One test API server per test class, with the three PostTrain CRDs registered.</summary>
public sealed class OperatorFixture : IAsyncLifetime
{
    private int _namespaces;

    public TestApiServer Server { get; private set; } = null!;

    public KubernetesClient Client { get; private set; } = null!;

    public string NewNamespace() => Server.CreateNamespace($"ns-{Interlocked.Increment(ref _namespaces)}");

    public KubernetesClient NewClient(string userAgent = "operator-tests/1.0") =>
        new(KubeClientConfig.ForServer(Server.BaseAddress, userAgent: userAgent, requestTimeout: TimeSpan.FromSeconds(10)));

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        Client = NewClient();
        // The real CRDs, schemas and CEL rules included: the server enforces them on what the tests and the operator write.
        Server.Registry.TryGet("apiextensions.k8s.io", "v1", "customresourcedefinitions", out var crds);
        foreach (var kind in PostTrain.Api.CrdGenerator.KindTypes)
        {
            Server.Store.Create(crds, null, PostTrain.Api.CrdGenerator.Generate(kind, PostTrain.Api.Schema.XmlDocumentation.Empty), fieldManager: null);
        }

        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
