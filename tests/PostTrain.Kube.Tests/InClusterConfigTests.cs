using System.Collections.Concurrent;
using System.Reflection;
using k8s.Authentication;
using k8s.Exceptions;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Our use of the official in-cluster configuration: chosen before any kubeconfig, the pod's namespace, the service
/// account's CA, and its projected token re-read after rotation by the requests KubernetesClient sends. The official
/// client reads the process environment and a fixed service-account folder itself, so these tests set both (the
/// folder through the field its own tests use) and run alone.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class InClusterConfigTests : IDisposable
{
    private static readonly FieldInfo ServiceAccountPath = typeof(k8s.KubernetesClientConfiguration).GetField("ServiceAccountPath", BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException("KubernetesClientConfiguration.ServiceAccountPath is gone; find the package's new seam for the service-account folder");

    private static readonly string[] Variables = ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBECONFIG", "HOME"];

    private readonly TempDirectory _dir = new("in-cluster-");
    private readonly object? _savedPath = ServiceAccountPath.GetValue(null);
    private readonly Dictionary<string, string?> _savedEnvironment = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);

    public InClusterConfigTests()
    {
        ServiceAccountPath.SetValue(null, Sa);
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "10.0.0.1");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", "443");
    }

    private string Sa => Path.Combine(_dir.Path, "sa");

    public void Dispose()
    {
        ServiceAccountPath.SetValue(null, _savedPath);
        foreach (var (name, value) in _savedEnvironment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        _dir.Dispose();
    }

    private void Write(string name, string text)
    {
        Directory.CreateDirectory(Sa);
        File.WriteAllText(Path.Combine(Sa, name), text);
    }

    [Fact]
    public async Task A_pod_gets_the_cluster_before_any_kubeconfig_its_namespace_and_a_token_reread_after_rotation()
    {
        using var certs = new TestCertificates();
        Write("token", "first");
        Write("ca.crt", certs.CaPem);
        Write("namespace", "operators\n");
        var kubeconfig = Path.Combine(_dir.Path, "kubeconfig");
        File.WriteAllText(kubeconfig, "current-context: c\nclusters: [{name: k, cluster: {server: \"https://elsewhere\"}}]\ncontexts: [{name: c, context: {cluster: k}}]\n");
        Environment.SetEnvironmentVariable("KUBECONFIG", kubeconfig);

        var config = KubeClientConfig.Default();
        config.Host.ShouldBe("https://10.0.0.1:443/", "in a pod the cluster wins over a kubeconfig");
        config.Namespace.ShouldBe("operators");
        config.SslCaCerts.Single().Subject.ShouldBe("CN=test-ca");
        config.HttpClientTimeout.ShouldBe(KubeClientConfig.DefaultRequestTimeout);
        using (var client = new KubernetesClient(config))
        {
            client.DefaultNamespace.ShouldBe("operators");
        }

        // The same token provider, in front of a plain-HTTP test server: requests carry the file's token, and the rotated
        // one once the official TokenFileAuth's minute is up (moved by hand here; the field is its own clock).
        var provider = config.TokenProvider.ShouldBeOfType<TokenFileAuth>();
        var tokens = new ConcurrentQueue<string>();
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Authenticate = r => { tokens.Enqueue(r.Headers.Authorization.ToString()); return true; } });
        var overHttp = KubeClientConfig.ForServer(server.BaseAddress);
        overHttp.TokenProvider = provider;
        using (var client = new KubernetesClient(overHttp))
        {
            await client.ConfigMaps.ListAsync("default");
            Write("token", "rotated\n");
            await client.ConfigMaps.ListAsync("default");
            typeof(TokenFileAuth).GetProperty("TokenExpiresAt", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(provider, DateTime.UtcNow.AddSeconds(-1));
            await client.ConfigMaps.ListAsync("default");
        }

        // A read is trusted for a minute, then the rotated file is read.
        tokens.ShouldBe(["Bearer first", "Bearer first", "Bearer rotated"]);

        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "fd00::1");
        KubeClientConfig.InCluster().Host.ShouldBe("https://[fd00::1]:443/");
    }

    [Fact]
    public void Outside_a_pod_the_errors_name_what_is_missing()
    {
        using var certs = new TestCertificates();
        Write("ca.crt", certs.CaPem);
        Should.Throw<KubeConfigException>(() => KubeClientConfig.InCluster()).Message.ShouldContain("automountServiceAccountToken");

        Write("token", "t");
        Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", null);
        Should.Throw<KubeConfigException>(() => KubeClientConfig.InCluster()).Message.ShouldContain("KUBERNETES_SERVICE_HOST");

        Environment.SetEnvironmentVariable("KUBECONFIG", null);
        Environment.SetEnvironmentVariable("HOME", _dir.Path);
        Should.Throw<KubeConfigException>(() => KubeClientConfig.Default()).Message.ShouldContain("run inside a pod for the in-cluster configuration");
    }
}
