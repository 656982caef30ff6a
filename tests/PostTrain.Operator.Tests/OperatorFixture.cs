using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;
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
        new(new KubernetesClientConfiguration { Server = Server.BaseAddress, UserAgent = userAgent, RequestTimeout = TimeSpan.FromSeconds(10) });

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        Client = NewClient();
        foreach (var kind in JobKinds.All)
        {
            await Client.CustomResourceDefinitions.CreateAsync(new CustomResourceDefinition
            {
                Metadata = new ObjectMeta { Name = $"{kind.Plural}.{kind.Group}" },
                Spec = new CustomResourceDefinitionSpec
                {
                    Group = kind.Group,
                    Scope = "Namespaced",
                    Names = new CustomResourceDefinitionNames { Plural = kind.Plural, Singular = kind.Kind.ToLowerInvariant(), Kind = kind.Kind },
                    Versions =
                    [
                        new CustomResourceDefinitionVersion
                        {
                            Name = kind.Version,
                            Served = true,
                            Storage = true,
                            Subresources = new System.Text.Json.Nodes.JsonObject { ["status"] = new System.Text.Json.Nodes.JsonObject() },
                        },
                    ],
                },
            });
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
