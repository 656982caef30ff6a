using PostTrain.Kube.Client;
using PostTrain.Kube.Config;

namespace PostTrain.Kube.Tests;

/// <summary>
/// KubernetesClient's requests leave through the official client's HttpClient: its User-Agent, the official credentials
/// (applied by our handler, since the official client applies them in its own request method), tls-server-name as the
/// Host, and the server URL with its path prefix. The official client's own methods share the pipeline.
/// </summary>
public sealed class OfficialTransportTests
{
    [Fact]
    public async Task Our_requests_carry_the_official_credentials_user_agent_and_tls_server_name()
    {
        var config = KubeClientConfig.ForServer(new Uri("https://api.test/k8s/clusters/c-1/"), ns: "team", userAgent: "transport-tests/1.0");
        config.AccessToken = "static-token";
        config.TlsServerName = "kube.test";
        using var answers = new AnsweringHandler();
        using var client = new KubernetesClient(config, handlers: answers);

        (await client.ConfigMaps.GetAsync("settings")).Metadata.Name.ShouldBe("settings");

        var request = answers.Requests.ShouldHaveSingleItem();
        request.RequestUri.ShouldBe(new Uri("https://api.test/k8s/clusters/c-1/api/v1/namespaces/team/configmaps/settings"));
        request.Headers.Authorization!.ToString().ShouldBe("Bearer static-token");
        request.Headers.Host.ShouldBe("kube.test");
        request.Headers.UserAgent.ToString().ShouldBe("transport-tests/1.0");
    }

    [Fact]
    public async Task Basic_auth_is_applied_and_the_official_clients_own_calls_are_not_authenticated_twice()
    {
        var config = KubeClientConfig.ForServer(new Uri("http://api.test"), ns: "team");
        config.Username = "admin";
        config.Password = "secret";
        using var answers = new AnsweringHandler();
        using var client = new KubernetesClient(config, handlers: answers);

        await client.ConfigMaps.GetAsync("ours");
        (await k8s.CoreV1OperationsExtensions.ReadNamespacedConfigMapAsync(client.Official.CoreV1, "theirs", "team")).Metadata.Name.ShouldBe("theirs");

        answers.Requests.Count.ShouldBe(2);
        answers.Requests.ShouldAllBe(r => r.Headers.Authorization!.ToString() == "Basic YWRtaW46c2VjcmV0");
    }
}
