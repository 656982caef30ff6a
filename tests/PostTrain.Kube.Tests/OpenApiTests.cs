using System.Text.RegularExpressions;
using k8s.Models;

namespace PostTrain.Kube.Tests;

/// <summary>
/// The real kubectl 1.34 against the test API server's OpenAPI documents: apply with its default (strict)
/// validation, which it hands to the server after finding fieldValidation in the v3 documents, explain, which
/// reads the v3 documents, and client-side validation of a List, which reads the v2 protobuf document.
/// </summary>
public sealed partial class OpenApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IDisposable
{
    private readonly Kubectl _kubectl = new(fixture.Server.BaseAddress);

    public void Dispose() => _kubectl.Dispose();

    [Fact]
    public async Task Kubectl_applies_the_crds_with_default_validation_and_explains_a_custom_field()
    {
        var before = fixture.Server.Requests.Count;
        var applied = (await _kubectl.RunAsync("apply", "-f", Path.Combine(TestPaths.RepoRoot, "crds"))).EnsureSuccess();
        applied.StandardOutput.ShouldContain("customresourcedefinition.apiextensions.k8s.io/sftjobs.posttrain.dev");

        // Validation went to the server (fieldValidation=Strict), decided from the v3 documents without v2.
        var requests = fixture.Server.Requests.Skip(before).ToList();
        requests.ShouldContain(r => r.Path == "/openapi/v3/apis/apiextensions.k8s.io/v1");
        requests.ShouldContain(r => r.Method == "POST" && r.Path == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions" && r.Query.Contains("fieldValidation=Strict"));
        requests.ShouldNotContain(r => r.Path == "/openapi/v2");

        var explained = (await _kubectl.RunAsync("explain", "sftjob.spec.training")).EnsureSuccess().StandardOutput;
        explained.ShouldContain("KIND:       SftJob");
        explained.ShouldContain("FIELD: training <Object>");
        fixture.Server.Registry.TryGet("apiextensions.k8s.io", "v1", "customresourcedefinitions", out var crds).ShouldBeTrue();
        var training = fixture.Server.Store.Get(crds, null, "sftjobs.posttrain.dev")["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["training"]!;
        Words(explained).ShouldContain(Words((string)training["description"]!));
        foreach (var (field, schema) in training["properties"]!.AsObject())
        {
            explained.ShouldContain($"  {field}\t<");
            if ((string?)schema?["description"] is { } description)
            {
                Words(explained).ShouldContain(Words(description));
            }
        }
    }

    [Fact]
    public async Task Kubectl_applies_a_config_map_and_a_deployment_with_default_validation()
    {
        var configMap = _kubectl.WriteManifest("configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: applied
              namespace: default
            data:
              greeting: hello
            """);
        (await _kubectl.RunAsync("apply", "-f", configMap)).EnsureSuccess().StandardOutput.ShouldContain("configmap/applied created");
        File.WriteAllText(configMap, File.ReadAllText(configMap).Replace("hello", "bonjour", StringComparison.Ordinal));
        (await _kubectl.RunAsync("apply", "-f", configMap)).EnsureSuccess().StandardOutput.ShouldContain("configmap/applied configured");
        (await _kubectl.RunAsync("get", "configmaps", "applied", "-o", "jsonpath={.data.greeting}")).EnsureSuccess().StandardOutput.ShouldBe("bonjour");

        var deployment = _kubectl.WriteManifest("deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: default
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
                    ports: [{containerPort: 80}]
                    resources: {limits: {cpu: 1, memory: 64Mi}}
            """);
        (await _kubectl.RunAsync("apply", "-f", deployment)).EnsureSuccess().StandardOutput.ShouldContain("deployment.apps/web created");
        (await _kubectl.RunAsync("get", "deployments", "web", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess().StandardOutput.ShouldBe("2");
    }

    [Fact]
    public async Task Kubectl_explains_builtin_fields_from_the_model_documentation()
    {
        var explained = (await _kubectl.RunAsync("explain", "deployment.spec.template.spec.containers")).EnsureSuccess().StandardOutput;
        explained.ShouldContain("GROUP:      apps");
        explained.ShouldContain("KIND:       Deployment");
        explained.ShouldContain("FIELD: containers <[]Container>");
        Words(explained).ShouldContain("List of containers belonging to the pod.");
        explained.ShouldContain("  image\t<string>");
        explained.ShouldContain("  ports\t<[]ContainerPort>");
        explained.ShouldContain("  resources\t<ResourceRequirements>");

        var port = (await _kubectl.RunAsync("explain", "pod.spec.containers.ports.containerPort")).EnsureSuccess().StandardOutput;
        port.ShouldContain("FIELD: containerPort <integer>");
        Words(port).ShouldContain("Number of port to expose on the pod's IP address.");

        (await _kubectl.RunAsync("explain", "deployment.spec.strategy.rollingUpdate.maxSurge")).EnsureSuccess().StandardOutput.ShouldContain("FIELD: maxSurge <IntOrString>");
        (await _kubectl.RunAsync("explain", "configmap.data")).EnsureSuccess().StandardOutput.ShouldContain("FIELD: data <map[string]string>");
    }

    [Fact]
    public async Task Kubectl_validates_a_list_on_the_client_against_the_v2_protobuf_document()
    {
        var list = _kubectl.WriteManifest("list.yaml", """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: listed, namespace: default}
              data: {a: b}
            """);
        var before = fixture.Server.Requests.Count;
        (await _kubectl.RunAsync("apply", "-f", list)).EnsureSuccess().StandardOutput.ShouldContain("configmap/listed created");
        fixture.Server.Requests.Skip(before).ShouldContain(r => r.Path == "/openapi/v2");

        var invalid = _kubectl.WriteManifest("invalid.yaml", """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: invalid, namespace: default}
              bogus: 1
            - apiVersion: apps/v1
              kind: Deployment
              metadata: {name: invalid, namespace: default}
              spec:
                selector: {matchLabels: {app: x}}
                template:
                  metadata: {labels: {app: x}}
                  spec:
                    containers: [{name: c, image: nginx, ports: [{containerPort: eighty}]}]
            """);
        var rejected = await _kubectl.RunAsync("apply", "-f", invalid);
        rejected.ExitCode.ShouldNotBe(0);
        rejected.StandardError.ShouldContain("unknown field \"bogus\" in io.k8s.api.core.v1.ConfigMap");
        rejected.StandardError.ShouldContain("invalid type for io.k8s.api.core.v1.ContainerPort.containerPort: got \"string\", expected \"integer\"");
    }

    /// <summary>Text with every run of whitespace made one space (explain wraps and indents descriptions).</summary>
    private static string Words(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
