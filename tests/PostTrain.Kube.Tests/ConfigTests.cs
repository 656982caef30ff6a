using System.Text;
using Microsoft.Extensions.Time.Testing;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>Kubeconfig loading (merging, contexts, CA, client certs, tokens, exec plugins, TLS options) and in-cluster config.</summary>
public sealed class ConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("kubeconfig-");

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Merged_KUBECONFIG_files_take_the_first_definition_and_resolve_paths_against_their_own_file()
    {
        using var certs = new TestCertificates();
        var baseDir = Path.Combine(_dir.Path, "base");
        var overlayDir = Path.Combine(_dir.Path, "overlay");
        Write("base/config", File.ReadAllText(Fixture("kubeconfig-base.yaml")));
        Write("base/ca.pem", certs.CaPem);
        Write("overlay/config", File.ReadAllText(Fixture("kubeconfig-overlay.yaml")));
        Write("overlay/prod-token", "prod-token-value\n");
        var variable = $"{Path.Combine(baseDir, "config")}{Path.PathSeparator}{Path.Combine(_dir.Path, "missing")}{Path.PathSeparator}{Path.Combine(overlayDir, "config")}";

        var dev = KubeConfigLoader.Load(kubeconfigVariable: variable);
        dev.Server.ShouldBe(new Uri("https://dev.example.com:6443"));
        dev.Namespace.ShouldBe("team-a");
        dev.CertificateAuthorities!.Single().Subject.ShouldBe("CN=test-ca");
        dev.TokenProvider.ShouldBeOfType<StaticTokenProvider>();

        var prod = KubeConfigLoader.Load(kubeconfigVariable: variable, context: "prod");
        prod.Server.Host.ShouldBe("prod.example.com");
        prod.SkipTlsVerify.ShouldBeTrue();
        prod.TlsServerName.ShouldBe("api.prod.internal");
        prod.Namespace.ShouldBe("default");
        var provider = prod.TokenProvider.ShouldBeOfType<FileTokenProvider>();
        provider.Path.ShouldBe(Path.Combine(overlayDir, "prod-token"));
        (await provider.GetTokenAsync(false, default)).ShouldBe("prod-token-value");
    }

    [Fact]
    public void Errors_say_what_is_missing_and_how_to_fix_it()
    {
        var path = Write("config", File.ReadAllText(Fixture("kubeconfig-overlay.yaml")));
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(path, context: "nope")).Message.ShouldBe($"context \"nope\" not found in {path}; available contexts: prod");
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(Path.Combine(_dir.Path, "absent"))).Message.ShouldContain("does not exist");
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(kubeconfigVariable: "", homeDirectory: _dir.Path)).Message.ShouldContain("KUBECONFIG is not set");
        var noContext = Write("empty", "apiVersion: v1\nkind: Config\nclusters: []\n");
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(noContext)).Message.ShouldContain("kubectl config use-context");
        var bad = Write("bad", "clusters: [\n");
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(bad)).Message.ShouldContain("not valid YAML at line");
        var halfCert = Write("half", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://x"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {client-certificate-data: bm90}}]
            """);
        Should.Throw<KubeConfigException>(() => KubeConfigLoader.Load(halfCert)).Message.ShouldContain("certificate but no key");
    }

    [Fact]
    public async Task Exec_plugin_tokens_are_cached_refreshed_before_expiry_and_after_a_401()
    {
        var counter = Path.Combine(_dir.Path, "count");
        var accepted = "exec-1";
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Authenticate = r => r.Headers.Authorization.ToString() == $"Bearer {accepted}" });
        var path = Write("config", $"""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters: [{"{"}name: k, cluster: {"{"}server: "{server.BaseAddress}"{"}"}{"}"}]
            contexts: [{"{"}name: c, context: {"{"}cluster: k, user: u{"}"}{"}"}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/sh
                  args: ["{Fixture("exec-credential.sh")}"]
                  env:
                  - {"{"}name: COUNTER_FILE, value: "{counter}"{"}"}
                  - {"{"}name: TOKEN_PREFIX, value: exec{"}"}
                  - {"{"}name: EXPIRES_IN, value: "3600"{"}"}
            """);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var config = KubeConfigLoader.Load(path, time: time);
        var plugin = config.TokenProvider.ShouldBeOfType<ExecCredentialProvider>();
        using var client = new KubernetesClient(config);

        (await client.ConfigMaps.ListAsync("default")).Items.ShouldBeEmpty();
        (await client.ConfigMaps.ListAsync("default")).Items.ShouldBeEmpty();
        plugin.Invocations.ShouldBe(1, "a fresh token is reused");

        time.Advance(TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(45));
        accepted = "exec-2";
        await client.ConfigMaps.ListAsync("default");
        plugin.Invocations.ShouldBe(2, "refreshed before it expires");

        accepted = "exec-3"; // the credential was revoked mid-run
        await client.ConfigMaps.ListAsync("default");
        plugin.Invocations.ShouldBe(3, "a 401 forces a refresh and one retry");
    }

    [Fact]
    public async Task Exec_plugin_failures_name_the_command_and_the_install_hint()
    {
        var missing = new ExecCredentialProvider(new ExecConfig { Command = "/nonexistent/kube-login", InstallHint = "install kube-login from your admin" });
        (await Should.ThrowAsync<KubeConfigException>(() => missing.GetTokenAsync(false, default).AsTask())).Message.ShouldContain("install kube-login from your admin");
        var failing = new ExecCredentialProvider(new ExecConfig { Command = "/bin/sh", Args = ["-c", "echo denied >&2; exit 4"] });
        (await Should.ThrowAsync<KubeConfigException>(() => failing.GetTokenAsync(false, default).AsTask())).Message.ShouldContain("exit code 4: denied");
        var garbage = new ExecCredentialProvider(new ExecConfig { Command = "/bin/sh", Args = ["-c", "echo '{\"kind\":\"Other\"}'"] });
        (await Should.ThrowAsync<KubeConfigException>(() => garbage.GetTokenAsync(false, default).AsTask())).Message.ShouldContain("expected ExecCredential");
    }

    [Fact]
    public async Task TLS_with_CA_data_tls_server_name_and_a_client_certificate_works_and_a_wrong_CA_does_not()
    {
        using var certs = new TestCertificates();
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            ServerCertificate = certs.Server,
            RequireClientCertificate = true,
            Authenticate = r => r.HttpContext.Connection.ClientCertificate?.Subject == "CN=test-user",
        });
        string Config(params string[] clusterLines)
        {
            var yaml = new StringBuilder();
            yaml.AppendLine("current-context: c");
            yaml.AppendLine("clusters:");
            yaml.AppendLine("- name: k");
            yaml.AppendLine("  cluster:");
            yaml.AppendLine($"    server: \"{server.BaseAddress}\"");
            foreach (var line in clusterLines)
            {
                yaml.AppendLine("    " + line);
            }

            yaml.AppendLine("contexts: [{name: c, context: {cluster: k, user: u, namespace: ns}}]");
            yaml.AppendLine("users:");
            yaml.AppendLine("- name: u");
            yaml.AppendLine("  user:");
            yaml.AppendLine($"    client-certificate-data: {B64(certs.ClientCertPem)}");
            yaml.AppendLine($"    client-key-data: {B64(certs.ClientKeyPem)}");
            return Write(Guid.NewGuid().ToString("N"), yaml.ToString());
        }

        var good = KubeConfigLoader.Load(Config($"certificate-authority-data: {B64(certs.CaPem)}", "tls-server-name: kube.test"));
        using (var client = new KubernetesClient(good))
        {
            (await client.ConfigMaps.ListAsync()).Items.ShouldBeEmpty();
        }

        var wrongName = KubeConfigLoader.Load(Config($"certificate-authority-data: {B64(certs.CaPem)}"));
        using (var client = new KubernetesClient(wrongName))
        {
            await Should.ThrowAsync<HttpRequestException>(() => client.ConfigMaps.ListAsync());
        }

        using var other = new TestCertificates();
        var wrongCa = KubeConfigLoader.Load(Config($"certificate-authority-data: {B64(other.CaPem)}", "tls-server-name: kube.test"));
        using (var client = new KubernetesClient(wrongCa))
        {
            await Should.ThrowAsync<HttpRequestException>(() => client.ConfigMaps.ListAsync());
        }

        var insecure = KubeConfigLoader.Load(Config("insecure-skip-tls-verify: true"));
        using (var client = new KubernetesClient(insecure))
        {
            (await client.ConfigMaps.ListAsync()).Items.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task In_cluster_config_reads_the_service_account_and_rereads_the_rotated_token()
    {
        using var certs = new TestCertificates();
        var sa = Path.Combine(_dir.Path, "sa");
        Write("sa/token", "first");
        Write("sa/ca.crt", certs.CaPem);
        Write("sa/namespace", "operators\n");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" };
        var time = new FakeTimeProvider();
        var config = InClusterConfig.Load(sa, k => env.GetValueOrDefault(k), time: time);
        config.Server.ShouldBe(new Uri("https://10.0.0.1:443"));
        config.Namespace.ShouldBe("operators");
        config.CertificateAuthorities!.Single().Subject.ShouldBe("CN=test-ca");
        (await config.TokenProvider!.GetTokenAsync(false, default)).ShouldBe("first");

        Write("sa/token", "rotated");
        (await config.TokenProvider.GetTokenAsync(false, default)).ShouldBe("first", "reads are trusted for a minute");
        time.Advance(TimeSpan.FromMinutes(1));
        (await config.TokenProvider.GetTokenAsync(false, default)).ShouldBe("rotated");

        env["KUBERNETES_SERVICE_HOST"] = "fd00::1";
        InClusterConfig.Load(sa, k => env.GetValueOrDefault(k)).Server.ShouldBe(new Uri("https://[fd00::1]:443"));

        Should.Throw<KubeConfigException>(() => InClusterConfig.Load(sa, _ => null)).Message.ShouldContain("KUBERNETES_SERVICE_HOST");
        File.Delete(Path.Combine(sa, "token"));
        Should.Throw<KubeConfigException>(() => InClusterConfig.Load(sa, k => env.GetValueOrDefault(k))).Message.ShouldContain("automountServiceAccountToken");
    }
}
