using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using PostTrain.Kube.Models;
using Shouldly;
using Xunit;

namespace PostTrain.Kube.Tests;

/// <summary>
/// What the test API server serves besides storage semantics, spoken over raw HTTP as kubectl speaks it:
/// discovery with short names and categories, server-side Tables, dryRun=All, Events through both APIs, pods/log.
/// </summary>
public sealed class ServedApiTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private HttpClient Http { get; } = new() { BaseAddress = fixture.Server.BaseAddress };

    [Fact]
    public async Task Discovery_reports_short_names_categories_and_subresources_of_built_ins_and_crds()
    {
        var core = await GetAsync("api/v1");
        var pods = Resource(core, "pods");
        Strings(pods["shortNames"]).ShouldBe(["po"]);
        Strings(pods["categories"]).ShouldBe(["all"]);
        Resource(core, "pods/log").ShouldNotBeNull();
        Resource(core, "namespaces")["namespaced"]!.GetValue<bool>().ShouldBeFalse();

        var groups = await GetAsync("apis");
        var names = (groups["groups"] as JsonArray)!.Select(g => (string?)g!["name"]).ToList();
        names.ShouldContain("rbac.authorization.k8s.io");
        names.ShouldContain("policy");
        names.ShouldContain("events.k8s.io");
        Resource(await GetAsync("apis/policy/v1"), "poddisruptionbudgets").ShouldNotBeNull();
        Resource(await GetAsync("apis/rbac.authorization.k8s.io/v1"), "clusterroles")["namespaced"]!.GetValue<bool>().ShouldBeFalse();

        var crd = Widget.Definition();
        crd.Metadata.Name = "sprockets.example.com";
        crd.Spec.Names = new CustomResourceDefinitionNames { Plural = "sprockets", Singular = "sprocket", Kind = "Sprocket", ShortNames = ["spr"], Categories = ["gear"] };
        await fixture.Client.CustomResourceDefinitions.CreateAsync(crd);
        var sprockets = Resource(await GetAsync("apis/example.com/v1"), "sprockets");
        Strings(sprockets["shortNames"]).ShouldBe(["spr"]);
        Strings(sprockets["categories"]).ShouldBe(["gear"]);
        ((string?)sprockets["singularName"]).ShouldBe("sprocket");
    }

    [Fact]
    public async Task Lists_and_gets_answer_server_side_tables_with_printer_columns_when_asked()
    {
        var ns = fixture.NewNamespace();
        var crd = Widget.Definition();
        crd.Metadata.Name = "dials.example.com";
        crd.Spec.Names = new CustomResourceDefinitionNames { Plural = "dials", Singular = "dial", Kind = "Dial" };
        crd.Spec.Versions[0].AdditionalPrinterColumns = JsonNode.Parse("""[{"name":"Size","type":"integer","jsonPath":".spec.size"},{"name":"Color","type":"string","jsonPath":".spec.color","priority":1}]""")!.AsArray();
        await fixture.Client.CustomResourceDefinitions.CreateAsync(crd);
        await PostAsync($"apis/example.com/v1/namespaces/{ns}/dials", """{"apiVersion":"example.com/v1","kind":"Dial","metadata":{"name":"d1"},"spec":{"size":7,"color":"red"}}""");

        var table = await GetAsync($"apis/example.com/v1/namespaces/{ns}/dials", TableAccept);
        ((string?)table["kind"]).ShouldBe("Table");
        ((string?)table["apiVersion"]).ShouldBe("meta.k8s.io/v1");
        var columns = (table["columnDefinitions"] as JsonArray)!.Select(c => (string?)c!["name"]).ToList();
        columns.ShouldBe(["Name", "Size", "Color"]); // with printer columns given, Age is only there when listed
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        ((string?)cells[0]).ShouldBe("d1");
        ((long)cells[1]!).ShouldBe(7);
        ((string?)cells[2]).ShouldBe("red");
        ((string?)table["rows"]![0]!["object"]!["kind"]).ShouldBe("PartialObjectMetadata");

        var single = await GetAsync($"apis/example.com/v1/namespaces/{ns}/dials/d1", TableAccept);
        (single["rows"] as JsonArray)!.Count.ShouldBe(1);

        await PostAsync($"api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}""");
        var maps = await GetAsync($"api/v1/namespaces/{ns}/configmaps", TableAccept);
        (maps["columnDefinitions"] as JsonArray)!.Select(c => (string?)c!["name"]).ShouldBe(["Name", "Data", "Age"]);
        ((long)maps["rows"]![0]!["cells"]![1]!).ShouldBe(2);

        // Without the Table media type the answer is the plain list.
        ((string?)(await GetAsync($"apis/example.com/v1/namespaces/{ns}/dials"))["kind"]).ShouldBe("DialList");
    }

    [Fact]
    public async Task Dry_run_create_update_patch_and_delete_answer_as_if_done_but_change_nothing()
    {
        var ns = fixture.NewNamespace();
        var before = fixture.Server.Store.CurrentVersion;
        var created = await PostAsync($"api/v1/namespaces/{ns}/configmaps?dryRun=All", """{"metadata":{"name":"ghost"},"data":{"a":"1"}}""");
        ((string?)created["metadata"]!["uid"]).ShouldNotBeNullOrEmpty();
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/configmaps/ghost")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        fixture.Server.Store.CurrentVersion.ShouldBe(before);

        await PostAsync($"api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"real"},"data":{"a":"1"}}""");
        var version = fixture.Server.Store.CurrentVersion;
        var patched = await SendAsync(new HttpMethod("PATCH"), $"api/v1/namespaces/{ns}/configmaps/real?dryRun=All", """{"data":{"a":"2"}}""", "application/merge-patch+json");
        patched.StatusCode.ShouldBe(HttpStatusCode.OK);
        ((string?)JsonNode.Parse(await patched.Content.ReadAsStringAsync())!["data"]!["a"]).ShouldBe("2");
        var put = await SendAsync(HttpMethod.Put, $"api/v1/namespaces/{ns}/configmaps/real?dryRun=All", """{"metadata":{"name":"real"},"data":{"a":"3"}}""");
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var deleted = await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{ns}/configmaps/real?dryRun=All");
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);

        var stored = await GetAsync($"api/v1/namespaces/{ns}/configmaps/real");
        ((string?)stored["data"]!["a"]).ShouldBe("1");
        fixture.Server.Store.CurrentVersion.ShouldBe(version);
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/configmaps?dryRun=Some")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{ns}/configmaps/real?dryRun=Some")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Events_written_through_either_api_are_read_through_both()
    {
        var ns = fixture.NewNamespace();
        await PostAsync($"apis/events.k8s.io/v1/namespaces/{ns}", "{}", expect: HttpStatusCode.NotFound);
        await PostAsync($"apis/events.k8s.io/v1/namespaces/{ns}/events", $$"""
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1"},"eventTime":"2026-12-06T00:00:00.000000Z",
             "regarding":{"kind":"SftJob","name":"job-a","namespace":"{{ns}}"},"reason":"Started","note":"workers scheduled","type":"Normal",
             "action":"Scheduling","reportingController":"posttrain.dev/operator","reportingInstance":"op-1"}
            """);
        var core = await GetAsync($"api/v1/namespaces/{ns}/events?fieldSelector=involvedObject.name%3Djob-a");
        var item = core["items"]![0]!;
        ((string?)item["involvedObject"]!["kind"]).ShouldBe("SftJob");
        ((string?)item["message"]).ShouldBe("workers scheduled");
        ((string?)item["reportingComponent"]).ShouldBe("posttrain.dev/operator");

        await PostAsync($"api/v1/namespaces/{ns}/events", $$"""
            {"metadata":{"name":"e2"},"involvedObject":{"kind":"Pod","name":"p","namespace":"{{ns}}"},"reason":"Pulled","message":"image pulled","type":"Normal"}
            """);
        var v1 = await GetAsync($"apis/events.k8s.io/v1/namespaces/{ns}/events?fieldSelector=regarding.name%3Dp");
        ((string?)v1["apiVersion"]).ShouldBe("events.k8s.io/v1");
        ((string?)v1["items"]![0]!["note"]).ShouldBe("image pulled");
        ((string?)v1["items"]![0]!["regarding"]!["kind"]).ShouldBe("Pod");
    }

    [Fact]
    public async Task Pod_logs_are_served_whole_or_tailed_and_a_container_is_required_when_there_are_several()
    {
        var ns = fixture.NewNamespace();
        await PostAsync($"api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"w"},"spec":{"containers":[{"name":"trainer","image":"x"},{"name":"sidecar","image":"y"}]}}""");
        fixture.Server.Store.AppendPodLog(ns, "w", "trainer", "step 1\nstep 2\nstep 3\n");
        var whole = await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w/log?container=trainer");
        (await whole.Content.ReadAsStringAsync()).ShouldBe("step 1\nstep 2\nstep 3\n");
        var tail = await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w/log?container=trainer&tailLines=1");
        (await tail.Content.ReadAsStringAsync()).ShouldBe("step 3\n");
        var ambiguous = await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w/log");
        ambiguous.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ambiguous.Content.ReadAsStringAsync()).ShouldContain("a container name must be specified for pod w, choose one of: [trainer sidecar]");
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/missing/log")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deployments_are_defaulted_validated_and_reported_rolled_out_by_the_deployment_controller()
    {
        var ns = fixture.NewNamespace();
        var mismatched = await SendAsync(HttpMethod.Post, $"apis/apps/v1/namespaces/{ns}/deployments", """{"metadata":{"name":"bad"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}""");
        mismatched.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await mismatched.Content.ReadAsStringAsync()).ShouldContain("`selector` does not match template `labels`");

        var created = await PostAsync($"apis/apps/v1/namespaces/{ns}/deployments", """{"metadata":{"name":"op"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"op"}},"template":{"metadata":{"labels":{"app":"op"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}""");
        ((string?)created["spec"]!["strategy"]!["type"]).ShouldBe("RollingUpdate");
        ((int)created["spec"]!["progressDeadlineSeconds"]!).ShouldBe(600);
        JsonObject current = created;
        await Eventually.TrueAsync(async () => (current = await GetAsync($"apis/apps/v1/namespaces/{ns}/deployments/op"))["status"]?["observedGeneration"] is not null, "rollout recorded");
        ((long)current["status"]!["observedGeneration"]!).ShouldBe(1);
        ((int)current["status"]!["availableReplicas"]!).ShouldBe(2);
        ((int)current["status"]!["updatedReplicas"]!).ShouldBe(2);
        current["status"]!["conditions"]!.AsArray().ShouldContain(c => (string?)c!["type"] == "Progressing" && (string?)c["reason"] == "NewReplicaSetAvailable");

        await SendAsync(new HttpMethod("PATCH"), $"apis/apps/v1/namespaces/{ns}/deployments/op", """{"spec":{"replicas":3}}""", "application/merge-patch+json");
        await Eventually.TrueAsync(async () => (long?)(await GetAsync($"apis/apps/v1/namespaces/{ns}/deployments/op"))["status"]?["observedGeneration"] == 2, "new generation rolled out");
        ((int)(await GetAsync($"apis/apps/v1/namespaces/{ns}/deployments/op"))["status"]!["readyReplicas"]!).ShouldBe(3);
    }

    private static JsonObject Resource(JsonObject list, string name) =>
        (list["resources"] as JsonArray)!.OfType<JsonObject>().SingleOrDefault(r => (string?)r["name"] == name)
        ?? throw new ShouldAssertException($"{name} not in discovery");

    private static List<string?> Strings(JsonNode? array) => (array as JsonArray ?? []).Select(n => (string?)n).ToList();

    private async Task<JsonObject> GetAsync(string path, string? accept = null)
    {
        var response = await SendAsync(HttpMethod.Get, path, accept: accept);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<JsonObject> PostAsync(string path, string body, HttpStatusCode expect = HttpStatusCode.Created)
    {
        var response = await SendAsync(HttpMethod.Post, path, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expect, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await Http.SendAsync(request);
    }
}
