using System.Collections.Concurrent;
using System.Text;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Our use of the official client's kubeconfig loader (KubeClientConfig): which files, which context, the namespace,
/// merged KUBECONFIG lists, error messages, and that the official credentials and TLS settings reach the server
/// through KubernetesClient's requests.
/// </summary>
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

    private static string Kubeconfig(Uri server, string user, string? contextNamespace = null) => $"""
        apiVersion: v1
        kind: Config
        current-context: c
        clusters:
        - name: k
          cluster:
            server: "{server}"
        contexts:
        - name: c
          context:
            cluster: k
            user: u
        {(contextNamespace is null ? "" : $"    namespace: {contextNamespace}")}
        users:
        - name: u
          user:
        {user}
        """;

    [Fact]
    public async Task The_official_loader_reads_a_kubeconfig_file_and_its_token_and_context_namespace_reach_the_server()
    {
        var tokens = new ConcurrentQueue<string>();
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            Authenticate = r =>
            {
                tokens.Enqueue(r.Headers.Authorization.ToString());
                return r.Headers.Authorization.ToString() == "Bearer dev-token";
            },
        });
        server.CreateNamespace("team-a");
        var path = Write("config", Kubeconfig(server.BaseAddress, "    token: dev-token", contextNamespace: "team-a"));

        var config = KubeClientConfig.FromKubeconfig(path);
        config.ShouldBeOfType<k8s.KubernetesClientConfiguration>();
        typeof(k8s.KubernetesClientConfiguration).Assembly.GetName().Version.ShouldBe(new Version(21, 0, 0, 0), "KubernetesClient 21.0.8 (assembly version 21.0.0.0) restores and loads on net10.0");
        config.CurrentContext.ShouldBe("c");
        config.Namespace.ShouldBe("team-a");
        config.AccessToken.ShouldBe("dev-token");
        config.HttpClientTimeout.ShouldBe(TimeSpan.FromSeconds(30), "the operator's request timeout, not the official 100 s");

        using var client = new KubernetesClient(config);
        client.DefaultNamespace.ShouldBe("team-a");
        client.Server.ShouldBe(server.BaseAddress);
        await client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } });
        (await client.ConfigMaps.GetAsync("x")).Metadata.NamespaceProperty.ShouldBe("team-a", "the context's namespace is the default one");
        tokens.ShouldNotBeEmpty();
        tokens.ShouldAllBe(t => t == "Bearer dev-token");
    }

    [Fact]
    public void Merged_KUBECONFIG_files_take_the_first_definition_and_resolve_paths_against_their_own_file()
    {
        using var certs = new TestCertificates();
        var baseDir = Path.Combine(_dir.Path, "base");
        var overlayDir = Path.Combine(_dir.Path, "overlay");
        Write("base/config", File.ReadAllText(Fixture("kubeconfig-base.yaml")));
        Write("base/ca.pem", certs.CaPem);
        Write("overlay/config", File.ReadAllText(Fixture("kubeconfig-overlay.yaml")));
        Write("overlay/client.crt", certs.ClientCertPem);
        Write("overlay/client.key", certs.ClientKeyPem);
        var variable = $"{Path.Combine(baseDir, "config")}{Path.PathSeparator}{Path.Combine(_dir.Path, "missing")}{Path.PathSeparator}{Path.Combine(overlayDir, "config")}";
        string? Env(string name) => name == "KUBECONFIG" ? variable : null;

        var dev = KubeClientConfig.FromKubeconfig(null, null, Env);
        dev.Host.ShouldBe("https://dev.example.com:6443");
        dev.Namespace.ShouldBe("team-a");
        dev.SslCaCerts.Single().Subject.ShouldBe("CN=test-ca", "ca.pem is found beside the base file that names it");
        dev.AccessToken.ShouldBe("dev-token");

        var prod = KubeClientConfig.FromKubeconfig(null, "prod", Env);
        new Uri(prod.Host).Host.ShouldBe("prod.example.com", "the base file's 'dev' cluster wins, the overlay's 'prod' cluster is added");
        prod.SkipTlsVerify.ShouldBeTrue();
        prod.TlsServerName.ShouldBe("api.prod.internal");
        prod.ClientCertificateFilePath.ShouldBe(Path.Combine(overlayDir, "client.crt"), "relative to the overlay file, not to the first file");
        prod.ClientKeyFilePath.ShouldBe(Path.Combine(overlayDir, "client.key"));
        using var client = new KubernetesClient(prod);
        client.DefaultNamespace.ShouldBe("default", "a context without a namespace");
    }

    [Fact]
    public void Errors_say_what_is_missing_and_how_to_fix_it()
    {
        var path = Write("config", File.ReadAllText(Fixture("kubeconfig-overlay.yaml")));
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(path, context: "nope")).Message.ShouldBe($"context \"nope\" not found in {path}; available contexts: prod");
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(Path.Combine(_dir.Path, "absent"))).Message.ShouldContain("does not exist");
        var noHome = Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(null, null, name => name == "HOME" ? _dir.Path : null)).Message;
        noHome.ShouldContain("KUBECONFIG is not set");
        noHome.ShouldContain(Path.Combine(_dir.Path, ".kube", "config"));
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(null, null, name => name == "KUBECONFIG" ? "/nope/a:/nope/b" : null)).Message.ShouldContain("none of the KUBECONFIG files exist");
        var noContext = Write("empty", "apiVersion: v1\nkind: Config\nclusters: []\n");
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(noContext)).Message.ShouldContain("kubectl config use-context");
        var bad = Write("bad", "clusters: [\n");
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(bad)).Message.ShouldContain("not valid YAML at line");
        var halfCert = Write("half", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://x"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {client-certificate-data: bm90}}]
            """);
        var half = Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(halfCert)).Message;
        half.ShouldStartWith($"context \"c\" of {halfCert}: ");
        half.ShouldContain("does not have appropriate auth credentials");
        var badPair = Write("bad-pair", Kubeconfig(new Uri("https://x"), "    client-certificate-data: bm90\n    client-key-data: bm90"));
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(badPair)).Message.ShouldStartWith($"context \"c\" of {badPair}: the client certificate or key cannot be loaded");
        var missingKey = Write("missing-key", Kubeconfig(new Uri("https://x"), "    client-certificate: cert.pem\n    client-key: key.pem"));
        Write("cert.pem", "a certificate, whose key file is missing");
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(missingKey)).Message.ShouldContain(Path.Combine(_dir.Path, "key.pem"));
        var azure = Write("azure", Kubeconfig(new Uri("https://x"), "    auth-provider: {name: azure, config: {access-token: t}}"));
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(azure)).Message.ShouldContain("kubelogin");
    }

    [Fact]
    public async Task An_exec_plugins_token_is_sent_and_rerun_before_it_expires()
    {
        var tokens = new ConcurrentQueue<string>();
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            Authenticate = r =>
            {
                tokens.Enqueue(r.Headers.Authorization.ToString());
                return r.Headers.Authorization.ToString().StartsWith("Bearer exec-", StringComparison.Ordinal);
            },
        });
        string Plugin(string counter, int expiresIn) => $"""
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/sh
                  args: ["{Fixture("exec-credential.sh")}"]
                  env:
                  - {"{"}name: COUNTER_FILE, value: "{counter}"{"}"}
                  - {"{"}name: TOKEN_PREFIX, value: exec{"}"}
                  - {"{"}name: EXPIRES_IN, value: "{expiresIn}"{"}"}
            """;

        // A token valid for an hour: the official loader runs the plugin once while loading, its ExecTokenProvider
        // once more for the first request, and then reuses that token.
        var hour = Path.Combine(_dir.Path, "hour-count");
        var config = KubeClientConfig.FromKubeconfig(Write("hour", Kubeconfig(server.BaseAddress, Plugin(hour, 3600))));
        config.TokenProvider.ShouldBeOfType<ExecTokenProvider>();
        using (var client = new KubernetesClient(config))
        {
            await client.ConfigMaps.ListAsync("default");
            await client.ConfigMaps.ListAsync("default");
        }

        tokens.ShouldBe(["Bearer exec-2", "Bearer exec-2"]);
        File.ReadAllText(hour).Trim().ShouldBe("2");

        // A token within 30 s of its expiry is replaced before each request.
        tokens.Clear();
        var soon = Path.Combine(_dir.Path, "soon-count");
        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Write("soon", Kubeconfig(server.BaseAddress, Plugin(soon, 10))))))
        {
            await client.ConfigMaps.ListAsync("default");
            await client.ConfigMaps.ListAsync("default");
        }

        tokens.ShouldBe(["Bearer exec-2", "Bearer exec-3"]);
    }

    private static string Jwt(string subject, DateTimeOffset expires)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("""{"alg":"none"}""")}.{Part($$"""{"sub":"{{subject}}","exp":{{expires.ToUnixTimeSeconds()}}}""")}.sig";
    }

    [Fact]
    public async Task An_oidc_id_token_is_sent_and_refreshed_from_the_issuer_once_when_it_has_expired()
    {
        var fresh = Jwt("fresh", DateTimeOffset.UtcNow.AddHours(1));
        var refreshes = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var issuer = builder.Build();
        issuer.MapPost("/", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            refreshes.Enqueue($"{form["grant_type"]} {form["client_id"]} {form["refresh_token"]}");
            return Results.Json(new Dictionary<string, object> { ["id_token"] = fresh, ["refresh_token"] = "refresh-2", ["expires_in"] = 3600 });
        });
        await issuer.StartAsync();

        var tokens = new ConcurrentQueue<string>();
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { Authenticate = r => { tokens.Enqueue(r.Headers.Authorization.ToString()); return true; } });
        string User(string idToken) => $"""
                auth-provider:
                  name: oidc
                  config:
                    client-id: posttrain
                    idp-issuer-url: "{issuer.Urls.First()}/"
                    id-token: {idToken}
                    refresh-token: refresh-1
            """;

        var valid = Jwt("valid", DateTimeOffset.UtcNow.AddHours(1));
        var config = KubeClientConfig.FromKubeconfig(Write("valid", Kubeconfig(server.BaseAddress, User(valid))));
        config.TokenProvider.ShouldBeOfType<OidcTokenProvider>();
        using (var client = new KubernetesClient(config))
        {
            await client.ConfigMaps.ListAsync("default");
        }

        // Eight requests at once with an expired token: the official provider is not safe for concurrent use, and
        // our credentials handler lets one request at a time ask it, so the refresh token is redeemed once.
        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Write("expired", Kubeconfig(server.BaseAddress, User(Jwt("expired", DateTimeOffset.UtcNow.AddMinutes(-5))))))))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.ConfigMaps.ListAsync("default")));
        }

        tokens.ShouldBe([$"Bearer {valid}", .. Enumerable.Repeat($"Bearer {fresh}", 8)]);
        // One refresh, for the expired token; none for the valid one.
        refreshes.ShouldBe(["refresh_token posttrain refresh-1"]);
    }

    [Fact]
    public void Exec_plugin_failures_name_the_context_and_the_install_hint()
    {
        var missing = Write("missing", Kubeconfig(new Uri("https://x"), """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /nonexistent/kube-login
                  installHint: install kube-login from your admin
            """));
        var message = Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(missing)).Message;
        message.ShouldStartWith($"context \"c\" of {missing}: external exec failed");
        message.ShouldContain("/nonexistent/kube-login");
        message.ShouldEndWith("(install kube-login from your admin)");

        var failing = Write("failing", Kubeconfig(new Uri("https://x"), """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /bin/false
            """));
        Should.Throw<KubeConfigException>(() => KubeClientConfig.FromKubeconfig(failing)).Message.ShouldStartWith($"context \"c\" of {failing}: external exec failed");
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

        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Config($"certificate-authority-data: {B64(certs.CaPem)}", "tls-server-name: kube.test"))))
        {
            (await client.ConfigMaps.ListAsync()).Items.ShouldBeEmpty();
        }

        using var other = new TestCertificates();
        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Config($"certificate-authority-data: {B64(other.CaPem)}", "tls-server-name: kube.test"))))
        {
            await Should.ThrowAsync<HttpRequestException>(() => client.ConfigMaps.ListAsync());
        }

        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Config("insecure-skip-tls-verify: true"))))
        {
            (await client.ConfigMaps.ListAsync()).Items.ShouldBeEmpty();
        }

        // Known and documented (docs/kube.md): with a custom CA the official client checks the chain but not the host
        // name, so a certificate for kube.test is accepted at 127.0.0.1. Our own loader refused it. This test fails
        // when the package starts checking, and then says to flip it back.
        using (var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(Config($"certificate-authority-data: {B64(certs.CaPem)}"))))
        {
            (await client.ConfigMaps.ListAsync()).Items.ShouldBeEmpty("the official client now checks the host name under a custom CA: assert HttpRequestException here again");
        }
    }
}
