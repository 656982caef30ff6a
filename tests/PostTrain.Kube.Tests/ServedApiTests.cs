using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
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
        crd.Spec.Names = new V1CustomResourceDefinitionNames { Plural = "sprockets", Singular = "sprocket", Kind = "Sprocket", ShortNames = ["spr"], Categories = ["gear"] };
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
        crd.Spec.Names = new V1CustomResourceDefinitionNames { Plural = "dials", Singular = "dial", Kind = "Dial" };
        crd.Spec.Versions[0].AdditionalPrinterColumns =
        [
            new V1CustomResourceColumnDefinition { Name = "Size", Type = "integer", JsonPath = ".spec.size" },
            new V1CustomResourceColumnDefinition { Name = "Color", Type = "string", JsonPath = ".spec.color", Priority = 1 },
        ];
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

    [Fact]
    public async Task Protobuf_bodies_from_kubectl_and_helm_are_decoded_and_other_kinds_get_415()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "protobuf");
        var ns = await SendBytesAsync(HttpMethod.Post, "api/v1/namespaces", File.ReadAllBytes(Path.Combine(fixtures, "namespace-kubectl-create.pb")));
        ns.StatusCode.ShouldBe(HttpStatusCode.Created, await ns.Content.ReadAsStringAsync());
        ((string?)(await GetAsync("api/v1/namespaces/team-a"))["status"]!["phase"]).ShouldBe("Active");

        var release = await SendBytesAsync(HttpMethod.Post, "api/v1/namespaces/team-a/secrets", File.ReadAllBytes(Path.Combine(fixtures, "secret-helm-install.pb")));
        release.StatusCode.ShouldBe(HttpStatusCode.Created, await release.Content.ReadAsStringAsync());
        var stored = JsonNode.Parse(await release.Content.ReadAsStringAsync())!;
        ((string?)stored["type"]).ShouldBe("helm.sh/release.v1");
        var deleted = await SendBytesAsync(HttpMethod.Delete, $"api/v1/namespaces/team-a/secrets/{(string?)stored["metadata"]!["name"]}", File.ReadAllBytes(Path.Combine(fixtures, "deleteoptions-helm-uninstall.pb")));
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK, await deleted.Content.ReadAsStringAsync());

        // A kind the decoder does not know: 415 naming it, so the client can send JSON instead.
        var deployment = await SendBytesAsync(HttpMethod.Post, "apis/apps/v1/namespaces/team-a/deployments", [.. "k8s\0"u8, 0x0a, 0x15, 0x0a, 0x07, .. "apps/v1"u8, 0x12, 0x0a, .. "Deployment"u8]);
        deployment.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await deployment.Content.ReadAsStringAsync()).ShouldContain("Deployment");
        var garbage = await SendBytesAsync(HttpMethod.Post, "api/v1/namespaces/team-a/configmaps", [1, 2, 3]);
        garbage.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Strategic_merge_patches_merge_lists_by_key_on_built_ins_and_are_415_on_custom_resources()
    {
        var ns = fixture.NewNamespace();
        await PostAsync($"apis/apps/v1/namespaces/{ns}/deployments", """
            {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
              {"name":"app","image":"app:1","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80},{"containerPort":443}]},
              {"name":"sidecar","image":"proxy:1"}]}}}}
            """);
        var patched = await SendAsync(new HttpMethod("PATCH"), $"apis/apps/v1/namespaces/{ns}/deployments/web", """
            {"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2","env":[{"name":"B","value":"2"}],"ports":[{"$patch":"delete","containerPort":443}]}]}}}}
            """, "application/strategic-merge-patch+json");
        var text = await patched.Content.ReadAsStringAsync();
        patched.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var containers = JsonNode.Parse(text)!["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Select(c => (string?)c!["name"]).ShouldBe(["app", "sidecar"]);
        ((string?)containers[0]!["image"]).ShouldBe("app:2");
        containers[0]!["env"]!.AsArray().Select(e => (string?)e!["name"]).ShouldBe(["B", "A"]);
        containers[0]!["ports"]!.AsArray().Select(p => (int)p!["containerPort"]!).ShouldBe([80]);

        var crd = Widget.Definition();
        crd.Metadata.Name = "levers.example.com";
        crd.Spec.Names = new V1CustomResourceDefinitionNames { Plural = "levers", Singular = "lever", Kind = "Lever" };
        await fixture.Client.CustomResourceDefinitions.CreateAsync(crd);
        await PostAsync($"apis/example.com/v1/namespaces/{ns}/levers", """{"apiVersion":"example.com/v1","kind":"Lever","metadata":{"name":"l"},"spec":{"size":1}}""");
        var refused = await SendAsync(new HttpMethod("PATCH"), $"apis/example.com/v1/namespaces/{ns}/levers/l", """{"spec":{"size":2}}""", "application/strategic-merge-patch+json");
        refused.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    }

    [Fact]
    public async Task Custom_resources_are_pruned_defaulted_and_validated_on_every_write_with_field_validation_as_asked()
    {
        var ns = fixture.NewNamespace();
        await PostAsync("apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"valves.example.com"},
             "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"valves","singular":"valve","kind":"Valve"},
              "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},"schema":{"openAPIV3Schema":{"type":"object","properties":{
                "spec":{"type":"object","required":["size"],"properties":{
                  "size":{"type":"integer","minimum":1},
                  "color":{"type":"string","enum":["red","blue"],"default":"red"},
                  "pipe":{"type":"string","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"pipe is immutable"}]}}},
                "status":{"type":"object","properties":{"open":{"type":"boolean"}}}}}}}]}}
            """);
        var path = $"apis/example.com/v1/namespaces/{ns}/valves";

        var negative = await SendAsync(HttpMethod.Post, path, """{"apiVersion":"example.com/v1","kind":"Valve","metadata":{"name":"v"},"spec":{"size":-1}}""");
        negative.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await MessageAsync(negative)).ShouldContain("spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 1");
        var strict = await SendAsync(HttpMethod.Post, path + "?fieldValidation=Strict", """{"apiVersion":"example.com/v1","kind":"Valve","metadata":{"name":"v"},"spec":{"size":1,"sise":2}}""");
        strict.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await MessageAsync(strict)).ShouldContain("strict decoding error: unknown field \"spec.sise\"");
        var dryRun = await SendAsync(HttpMethod.Post, path + "?dryRun=All", """{"apiVersion":"example.com/v1","kind":"Valve","metadata":{"name":"v"},"spec":{}}""");
        dryRun.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, "a dry run is validated too");

        var warned = await SendAsync(HttpMethod.Post, path, """{"apiVersion":"example.com/v1","kind":"Valve","metadata":{"name":"v"},"spec":{"size":1,"sise":2,"pipe":"a"}}""");
        warned.StatusCode.ShouldBe(HttpStatusCode.Created);
        warned.Headers.GetValues("Warning").ShouldContain("299 - \"unknown field \\\"spec.sise\\\"\"");
        var stored = JsonNode.Parse(await warned.Content.ReadAsStringAsync())!["spec"]!;
        ((string?)stored["color"]).ShouldBe("red", "defaulted");
        stored["sise"].ShouldBeNull("pruned");

        var moved = await SendAsync(new HttpMethod("PATCH"), path + "/v", """{"spec":{"pipe":"b"}}""", "application/merge-patch+json");
        moved.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await MessageAsync(moved)).ShouldContain("spec.pipe: Invalid value: \"string\": pipe is immutable");
        var badStatus = await SendAsync(new HttpMethod("PATCH"), path + "/v/status", """{"status":{"open":"yes"}}""", "application/merge-patch+json");
        badStatus.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await MessageAsync(badStatus)).ShouldContain("status.open");
    }

    private static JsonObject Resource(JsonObject list, string name) =>
        (list["resources"] as JsonArray)!.OfType<JsonObject>().SingleOrDefault(r => (string?)r["name"] == name)
        ?? throw new ShouldAssertException($"{name} not in discovery");

    [Fact]
    public async Task Services_get_a_cluster_ip_unless_headless_and_ports_default_to_tcp_and_their_port()
    {
        var ns = fixture.NewNamespace();
        var plain = await PostAsync($"api/v1/namespaces/{ns}/services", """{"metadata":{"name":"metrics"},"spec":{"ports":[{"port":8080}]}}""");
        ((string?)plain["spec"]!["type"]).ShouldBe("ClusterIP");
        ((string?)plain["spec"]!["clusterIP"]).ShouldStartWith("10.96.");
        ((string?)plain["spec"]!["ports"]![0]!["protocol"]).ShouldBe("TCP");
        ((int)plain["spec"]!["ports"]![0]!["targetPort"]!).ShouldBe(8080);
        var headless = await PostAsync($"api/v1/namespaces/{ns}/services", """{"metadata":{"name":"peers"},"spec":{"clusterIP":"None","ports":[{"port":29500}]}}""");
        ((string?)headless["spec"]!["clusterIP"]).ShouldBe("None");
    }

    [Fact]
    public async Task Pods_start_pending_are_bound_to_nodes_and_deleted_gracefully_once_a_node_runs_them()
    {
        var ns = fixture.NewNamespace();
        var pod = await PostAsync($"api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"w"},"spec":{"containers":[{"name":"c","image":"x"}]}}""");
        ((string?)pod["status"]!["phase"]).ShouldBe("Pending");
        ((long)pod["spec"]!["terminationGracePeriodSeconds"]!).ShouldBe(30);
        ((string?)pod["spec"]!["containers"]![0]!["terminationMessagePath"]).ShouldBe("/dev/termination-log");

        var bound = await SendAsync(HttpMethod.Post, $"api/v1/namespaces/{ns}/pods/w/binding", """{"apiVersion":"v1","kind":"Binding","metadata":{"name":"w"},"target":{"apiVersion":"v1","kind":"Node","name":"node-a"}}""");
        bound.StatusCode.ShouldBe(HttpStatusCode.Created, await bound.Content.ReadAsStringAsync());
        ((string?)(await GetAsync($"api/v1/namespaces/{ns}/pods/w"))["spec"]!["nodeName"]).ShouldBe("node-a");
        (await SendAsync(HttpMethod.Post, $"api/v1/namespaces/{ns}/pods/w/binding", """{"target":{"name":"node-b"}}""")).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        // A running pod a node runs is deleted gracefully: it stays, marked, until the kubelet deletes it with grace 0.
        await SendAsync(new HttpMethod("PATCH"), $"api/v1/namespaces/{ns}/pods/w/status", """{"status":{"phase":"Running"}}""", "application/merge-patch+json");
        (await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{ns}/pods/w")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var terminating = await GetAsync($"api/v1/namespaces/{ns}/pods/w");
        terminating["metadata"]!["deletionTimestamp"].ShouldNotBeNull();
        ((long)terminating["metadata"]!["deletionGracePeriodSeconds"]!).ShouldBe(30);
        await SendAsync(new HttpMethod("PATCH"), $"api/v1/namespaces/{ns}/pods/w/status", """{"status":{"phase":"Failed"}}""", "application/merge-patch+json");
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w")).StatusCode.ShouldBe(HttpStatusCode.OK, "the final status does not remove it");
        (await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{ns}/pods/w", """{"gracePeriodSeconds":0}""")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // A pod no node runs goes at once.
        await PostAsync($"api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"unscheduled"},"spec":{"containers":[{"name":"c","image":"x"}]}}""");
        await SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{ns}/pods/unscheduled");
        (await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/unscheduled")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Logs_of_a_pod_on_a_node_with_a_kubelet_endpoint_come_from_that_kubelet()
    {
        var ns = fixture.NewNamespace();
        using var kubelet = new System.Net.HttpListener();
        var port = FreePort();
        kubelet.Prefixes.Add($"http://127.0.0.1:{port}/");
        kubelet.Start();
        var serving = Task.Run(async () =>
        {
            var request = await kubelet.GetContextAsync();
            var text = $"{request.Request.Url!.AbsolutePath} tail={request.Request.QueryString["tailLines"]}\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            request.Response.OutputStream.Write(bytes);
            request.Response.Close();
        });
        var node = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "node-logs" },
            ["status"] = new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = port } },
            },
        };
        await PostAsync("api/v1/nodes", node.ToJsonString());
        (await SendAsync(new HttpMethod("PATCH"), "api/v1/nodes/node-logs/status", node.ToJsonString(), "application/merge-patch+json")).StatusCode.ShouldBe(HttpStatusCode.OK, "a kubelet reports its node's status through /status");
        await PostAsync($"api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"w"},"spec":{"containers":[{"name":"worker","image":"x"}]}}""");
        await SendAsync(HttpMethod.Post, $"api/v1/namespaces/{ns}/pods/w/binding", """{"target":{"name":"node-logs"}}""");
        var log = await SendAsync(HttpMethod.Get, $"api/v1/namespaces/{ns}/pods/w/log?tailLines=5");
        (await log.Content.ReadAsStringAsync()).ShouldBe($"/containerLogs/{ns}/w/worker tail=5\n");
        await serving;
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<string> MessageAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"] ?? "";

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

    private async Task<HttpResponseMessage> SendBytesAsync(HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.kubernetes.protobuf");
        return await Http.SendAsync(request);
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
