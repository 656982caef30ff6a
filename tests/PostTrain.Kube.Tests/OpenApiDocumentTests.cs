using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;

namespace PostTrain.Kube.Tests;

/// <summary>The shape of the test API server's /openapi/v2, /openapi/v3 and group-version documents.</summary>
public sealed class OpenApiDocumentTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.Server.BaseAddress };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task V3_discovery_lists_each_group_version_with_a_hashed_url()
    {
        var paths = (await GetJsonAsync("/openapi/v3"))["paths"]!.AsObject();
        paths.Select(p => p.Key).ShouldContain("api/v1");
        paths.Select(p => p.Key).ShouldContain("apis/apps/v1");
        paths.Select(p => p.Key).ShouldContain("apis/apiextensions.k8s.io/v1");
        ((string)paths["api/v1"]!["serverRelativeURL"]!).ShouldMatch("^/openapi/v3/api/v1\\?hash=[0-9A-F]{128}$");
    }

    [Fact]
    public async Task Core_document_describes_builtin_kinds_with_their_gvk_and_documentation()
    {
        var document = await GroupVersionAsync("api/v1");
        document["openapi"]!.GetValue<string>().ShouldBe("3.0.0");
        var schemas = document["components"]!["schemas"]!;

        var ns = schemas["io.k8s.api.core.v1.Namespace"]!;
        ns["x-kubernetes-group-version-kind"]!.ToJsonString().ShouldBe("""[{"group":"","kind":"Namespace","version":"v1"}]""");
        ((string)ns["description"]!).ShouldNotBeNullOrWhiteSpace();
        ns["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        ((string)ns["properties"]!["metadata"]!["description"]!).ShouldStartWith("Standard object's metadata.");

        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        containers["type"]!.GetValue<string>().ShouldBe("array");
        containers["items"]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/io.k8s.api.core.v1.Container");
        schemas["io.k8s.api.core.v1.ContainerPort"]!["required"]!.ToJsonString().ShouldBe("""["containerPort"]""");
        schemas["io.k8s.api.core.v1.ConfigMap"]!["properties"]!["data"]!["additionalProperties"]!["type"]!.GetValue<string>().ShouldBe("string");
        schemas["io.k8s.api.core.v1.Secret"]!["properties"]!["data"]!["additionalProperties"]!["format"]!.GetValue<string>().ShouldBe("byte");
        schemas["io.k8s.api.core.v1.ResourceRequirements"]!["properties"]!["limits"]!["additionalProperties"]!["$ref"]!.GetValue<string>()
            .ShouldBe("#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity");
        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]!["format"]!.GetValue<string>().ShouldBe("date-time");
        schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["format"]!.GetValue<string>().ShouldBe("int-or-string");

        // Every reference resolves within the document.
        var refs = new List<string>();
        CollectRefs(document, refs);
        refs.ShouldNotBeEmpty();
        refs.Select(r => r["#/components/schemas/".Length..]).Where(n => schemas[n] is null).ShouldBeEmpty();
    }

    [Fact]
    public async Task Patch_operations_carry_the_gvk_and_the_field_validation_parameter()
    {
        var paths = (await GroupVersionAsync("apis/apps/v1"))["paths"]!;
        paths["/apis/apps/v1/namespaces/{namespace}/deployments"]!["get"]!["x-kubernetes-action"]!.GetValue<string>().ShouldBe("list");
        foreach (var path in new[] { "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status" })
        {
            var patch = paths[path]!["patch"]!;
            patch["x-kubernetes-action"]!.GetValue<string>().ShouldBe("patch");
            patch["x-kubernetes-group-version-kind"]!.ToJsonString().ShouldBe("""{"group":"apps","kind":"Deployment","version":"v1"}""");
            var parameters = patch["parameters"]!.AsArray().Select(p => $"{p!["in"]}:{p["name"]}").ToList();
            parameters.ShouldContain("query:fieldValidation");
            parameters.ShouldContain("query:dryRun");
            parameters.ShouldContain("query:fieldManager");
            patch["requestBody"]!["content"]!.AsObject().Select(c => c.Key).ShouldContain("application/merge-patch+json");
        }
    }

    [Fact]
    public async Task A_crd_schema_appears_with_its_descriptions_in_its_group_version_document()
    {
        var before = (await GetJsonAsync("/openapi/v3"))["paths"]!;
        before["apis/widgets.example.com/v1"].ShouldBeNull();

        var crd = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = "widgets.widgets.example.com" },
            ["spec"] = JsonNode.Parse("""
                {
                  "group": "widgets.example.com",
                  "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
                  "scope": "Namespaced",
                  "versions": [{
                    "name": "v1", "served": true, "storage": true,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {
                      "description": "A widget turns cranks.",
                      "type": "object",
                      "properties": {
                        "spec": {
                          "description": "What the widget should do.",
                          "type": "object",
                          "required": ["cranks"],
                          "properties": {"cranks": {"description": "How many cranks to turn.", "type": "integer", "minimum": 1}}
                        }
                      }
                    }}
                  }]
                }
                """),
        };
        using var created = await _http.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", new StringContent(crd.ToJsonString(), Encoding.UTF8, "application/json"));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);

        var after = (await GetJsonAsync("/openapi/v3"))["paths"]!;
        after["api/v1"]!["serverRelativeURL"]!.GetValue<string>().ShouldBe(before["api/v1"]!["serverRelativeURL"]!.GetValue<string>());
        var document = await GroupVersionAsync("apis/widgets.example.com/v1");
        var widget = document["components"]!["schemas"]!["com.example.widgets.v1.Widget"]!;
        widget["description"]!.GetValue<string>().ShouldBe("A widget turns cranks.");
        widget["properties"]!["spec"]!["description"]!.GetValue<string>().ShouldBe("What the widget should do.");
        widget["properties"]!["spec"]!["properties"]!["cranks"]!["description"]!.GetValue<string>().ShouldBe("How many cranks to turn.");
        widget["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>().ShouldBe("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        widget["x-kubernetes-group-version-kind"]!.ToJsonString().ShouldBe("""[{"group":"widgets.example.com","kind":"Widget","version":"v1"}]""");
        document["components"]!["schemas"]!["com.example.widgets.v1.WidgetList"]!["properties"]!["items"]!["items"]!["$ref"]!.GetValue<string>()
            .ShouldBe("#/components/schemas/com.example.widgets.v1.Widget");
        document["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].ShouldNotBeNull();

        var patch = document["paths"]!["/apis/widgets.example.com/v1/namespaces/{namespace}/widgets/{name}/status"]!["patch"]!;
        patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>().ShouldBe("Widget");

        var v2 = await GetJsonAsync("/openapi/v2");
        v2["definitions"]!["com.example.widgets.v1.Widget"]!["properties"]!["metadata"]!["$ref"]!.GetValue<string>()
            .ShouldBe("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    }

    [Fact]
    public async Task V2_has_definitions_with_gvk_and_paths_with_the_field_validation_parameter()
    {
        var swagger = await GetJsonAsync("/openapi/v2");
        swagger["swagger"]!.GetValue<string>().ShouldBe("2.0");
        var ns = swagger["definitions"]!["io.k8s.api.core.v1.Namespace"]!;
        ns["x-kubernetes-group-version-kind"]!.ToJsonString().ShouldBe("""[{"group":"","kind":"Namespace","version":"v1"}]""");
        ns["properties"]!["metadata"]!["$ref"]!.GetValue<string>().ShouldBe("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        swagger["definitions"]!["io.k8s.api.apps.v1.Deployment"].ShouldNotBeNull();
        swagger["definitions"]!["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["type"]!.GetValue<string>().ShouldBe("string");

        var patch = swagger["paths"]!["/api/v1/namespaces/{namespace}/configmaps/{name}"]!["patch"]!;
        patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>().ShouldBe("ConfigMap");
        var parameters = patch["parameters"]!.AsArray();
        parameters.ShouldContain(p => (string)p!["name"]! == "fieldValidation" && (string)p["in"]! == "query" && (string)p["type"]! == "string");
        parameters.ShouldContain(p => (string)p!["name"]! == "dryRun" && (string)p["in"]! == "query");
        parameters.ShouldContain(p => (string)p!["in"]! == "body" && (string)p["schema"]!["$ref"]! == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        patch["consumes"]!.AsArray().Select(c => (string)c!).ShouldContain("application/json-patch+json");
    }

    [Fact]
    public async Task Documents_are_cached_by_hash_and_etag_and_served_in_the_encodings_clients_ask_for()
    {
        var url = (await GetJsonAsync("/openapi/v3"))["paths"]!["api/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var hash = url[(url.IndexOf("hash=", StringComparison.Ordinal) + 5)..];

        using var current = await _http.GetAsync(url);
        current.StatusCode.ShouldBe(HttpStatusCode.OK);
        current.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        current.Headers.CacheControl!.Public.ShouldBeTrue();
        current.Headers.ETag!.Tag.ShouldBe($"\"{hash}\"");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/openapi/v3/api/v1");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{hash}\""));
        using var notModified = await _http.SendAsync(conditional);
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);

        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Server.BaseAddress };
        using var stale = await noRedirects.GetAsync("/openapi/v3/api/v1?hash=0123");
        stale.StatusCode.ShouldBe(HttpStatusCode.MovedPermanently);
        stale.Headers.Location!.ToString().ShouldBe(url);

        using var protobufV3 = new HttpRequestMessage(HttpMethod.Get, url);
        protobufV3.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf").ShouldBeTrue();
        (await _http.SendAsync(protobufV3)).StatusCode.ShouldBe(HttpStatusCode.NotAcceptable);

        // client-go asks for /openapi/v2 as gnostic protobuf only: Document { swagger = 1: "2.0", ... }.
        using var protobufV2 = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        protobufV2.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf").ShouldBeTrue();
        using var v2 = await _http.SendAsync(protobufV2);
        v2.StatusCode.ShouldBe(HttpStatusCode.OK);
        v2.Content.Headers.ContentType!.MediaType.ShouldBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        var bytes = await v2.Content.ReadAsByteArrayAsync();
        bytes[..5].ShouldBe(new byte[] { 0x0A, 3, (byte)'2', (byte)'.', (byte)'0' });
        Encoding.UTF8.GetString(bytes).ShouldContain("io.k8s.api.core.v1.Namespace");
    }

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<JsonNode> GroupVersionAsync(string groupVersion)
    {
        var url = (await GetJsonAsync("/openapi/v3"))["paths"]![groupVersion]!["serverRelativeURL"]!.GetValue<string>();
        return await GetJsonAsync(url);
    }

    private static void CollectRefs(JsonNode? node, List<string> refs)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "$ref")
                    {
                        refs.Add(value!.GetValue<string>());
                    }
                    else
                    {
                        CollectRefs(value, refs);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    CollectRefs(item, refs);
                }

                break;
        }
    }
}
