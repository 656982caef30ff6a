using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Kube.Testing;
using PostTrain.Kube.Testing.Patching;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Strategic merge patch as kube-apiserver applies it. The fixtures under Fixtures/smp are real: the patch is the
/// body kubectl 1.34 apply sent for an edited manifest, and the expected object is what kubectl patch --local (the
/// same apimachinery code and Go types the server runs) made of it (see capture.py there). The other cases are
/// written by hand from apimachinery's rules.
/// </summary>
public sealed class StrategicMergePatchTests
{
    private static readonly FsCheck.Config Quick = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(300);

    private static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "smp");

    public static TheoryData<string> KubectlFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(FixtureDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KubectlFixtures))]
    public void Kubectl_apply_patches_give_what_apimachinery_gives(string name)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, name + ".json")))!.AsObject();
        var apiVersion = (string)fixture["apiVersion"]!;
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        BuiltInPatchSchemas.TryGet(group, (string)fixture["kind"]!, out var schema).ShouldBeTrue();

        var result = StrategicMergePatch.Apply(fixture["live"], fixture["patch"], schema);

        ShouldEqual(result, fixture["expected"]);
    }

    [Fact]
    public void Fixtures_cover_the_kubectl_apply_directives()
    {
        var patches = string.Join('\n', Directory.GetFiles(FixtureDirectory, "*.json").Select(f => JsonNode.Parse(File.ReadAllText(f))!["patch"]!.ToJsonString()));

        foreach (var directive in new[] { "$setElementOrder/", "$deleteFromPrimitiveList/", "$retainKeys", "\"$patch\":\"delete\"", ":null" })
        {
            patches.ShouldContain(directive);
        }
    }

    [Fact]
    public void Changing_one_containers_image_keeps_the_other_containers_and_the_server_defaults()
    {
        var live = Deployment("""
            [{"name":"app","image":"app:1","imagePullPolicy":"IfNotPresent"},{"name":"sidecar","image":"proxy:1"}]
            """);

        var result = Apply(live, """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}}""", BuiltInPatchSchemas.Deployment);

        ShouldEqual(Containers(result), """
            [{"name":"app","image":"app:2","imagePullPolicy":"IfNotPresent"},{"name":"sidecar","image":"proxy:1"}]
            """);
    }

    [Fact]
    public void An_added_env_var_goes_after_the_existing_ones_when_the_element_order_says_so()
    {
        var live = Deployment("""[{"name":"app","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]""");

        var withOrder = Apply(live, """
            {"spec":{"template":{"spec":{"containers":[{"name":"app",
              "$setElementOrder/env":[{"name":"A"},{"name":"B"},{"name":"C"}],"env":[{"name":"C","value":"3"}]}]}}}}
            """, BuiltInPatchSchemas.Deployment);
        var withoutOrder = Apply(live, """
            {"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"C","value":"3"}]}]}}}}
            """, BuiltInPatchSchemas.Deployment);

        ShouldEqual(Containers(withOrder)[0]!["env"], """[{"name":"A","value":"1"},{"name":"B","value":"2"},{"name":"C","value":"3"}]""");

        // Without the order list, patch elements the original lacks come first (apimachinery's mergeSortedSlice).
        ShouldEqual(Containers(withoutOrder)[0]!["env"], """[{"name":"C","value":"3"},{"name":"A","value":"1"},{"name":"B","value":"2"}]""");
    }

    [Fact]
    public void Patch_delete_removes_a_port_by_its_merge_key_and_a_container_by_name()
    {
        var live = Deployment("""
            [{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":9090}]},{"name":"sidecar"}]
            """);

        var result = Apply(live, """
            {"spec":{"template":{"spec":{"containers":[
              {"name":"app","ports":[{"$patch":"delete","containerPort":9090}]},
              {"$patch":"delete","name":"sidecar"}]}}}}
            """, BuiltInPatchSchemas.Deployment);

        ShouldEqual(Containers(result), """[{"name":"app","ports":[{"containerPort":80,"protocol":"TCP"}]}]""");
    }

    [Fact]
    public void Set_element_order_reorders_and_interleaves_server_only_elements()
    {
        // "istio-proxy" is server-only (injected); the patch orders the two containers it knows. A server-only
        // element goes before a listed one that it preceded in the live list, and after those it followed.
        const string Order = """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}}}""";

        var first = Apply(Deployment("""[{"name":"a"},{"name":"istio-proxy"},{"name":"b"}]"""), Order, BuiltInPatchSchemas.Deployment);
        var last = Apply(Deployment("""[{"name":"a"},{"name":"b"},{"name":"istio-proxy"}]"""), Order, BuiltInPatchSchemas.Deployment);

        ShouldEqual(Containers(first), """[{"name":"istio-proxy"},{"name":"b"},{"name":"a"}]""");
        ShouldEqual(Containers(last), """[{"name":"b"},{"name":"a"},{"name":"istio-proxy"}]""");
    }

    [Fact]
    public void Set_element_order_must_agree_with_the_patch_order()
    {
        var live = Deployment("""[{"name":"a"},{"name":"b"}]""");

        var error = Should.Throw<ApiStatusException>(() => Apply(live, """
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
              "containers":[{"name":"b","image":"x"},{"name":"a","image":"y"}]}}}}
            """, BuiltInPatchSchemas.Deployment));

        error.Code.ShouldBe(500);
        error.Message.ShouldContain("doesn't match $setElementOrder list");
    }

    [Fact]
    public void Service_ports_merge_by_port()
    {
        var live = JsonNode.Parse("""
            {"spec":{"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}]}}
            """);

        var result = Apply(live, """
            {"spec":{"ports":[{"port":80,"targetPort":8081},{"$patch":"delete","port":9090},{"name":"grpc","port":50051}]}}
            """, BuiltInPatchSchemas.Service);

        ShouldEqual(result["spec"]!["ports"], """
            [{"name":"http","port":80,"targetPort":8081,"protocol":"TCP"},{"name":"grpc","port":50051}]
            """);
    }

    [Fact]
    public void Finalizers_merge_as_a_set_and_delete_through_the_parallel_list()
    {
        var live = JsonNode.Parse("""{"metadata":{"name":"x","finalizers":["a","b","controller"]}}""");

        var added = Apply(live, """{"metadata":{"finalizers":["b","c"]}}""", BuiltInPatchSchemas.MetadataOnly);
        var deleted = Apply(live, """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","absent"]}}""", BuiltInPatchSchemas.MetadataOnly);
        var ordered = Apply(live, """
            {"metadata":{"$setElementOrder/finalizers":["c","a"],"finalizers":["c"],"$deleteFromPrimitiveList/finalizers":["b"]}}
            """, BuiltInPatchSchemas.MetadataOnly);

        ShouldEqual(added["metadata"]!["finalizers"], """["a","b","c","controller"]""");
        ShouldEqual(deleted["metadata"]!["finalizers"], """["a","controller"]""");
        ShouldEqual(ordered["metadata"]!["finalizers"], """["c","a","controller"]""");
    }

    [Fact]
    public void Owner_references_merge_by_uid()
    {
        var live = JsonNode.Parse("""{"metadata":{"ownerReferences":[{"uid":"1","name":"a"},{"uid":"2","name":"b"}]}}""");

        var result = Apply(live, """{"metadata":{"ownerReferences":[{"uid":"2","controller":true},{"uid":"3","name":"c"}]}}""", BuiltInPatchSchemas.MetadataOnly);

        ShouldEqual(result["metadata"]!["ownerReferences"], """
            [{"uid":"1","name":"a"},{"uid":"2","name":"b","controller":true},{"uid":"3","name":"c"}]
            """);
    }

    [Fact]
    public void Conditions_merge_by_type()
    {
        var live = JsonNode.Parse("""{"status":{"conditions":[{"type":"Complete","status":"False"},{"type":"Failed","status":"False"}]}}""");

        var result = Apply(live, """{"status":{"conditions":[{"type":"Complete","status":"True"}]}}""", BuiltInPatchSchemas.Job);

        ShouldEqual(result["status"]!["conditions"], """[{"type":"Complete","status":"True"},{"type":"Failed","status":"False"}]""");
    }

    [Fact]
    public void Null_deletes_a_key_and_nulls_in_new_values_are_dropped()
    {
        var live = JsonNode.Parse("""{"metadata":{"labels":{"app":"web","old":"x"}},"data":{"a":"1"}}""");

        var result = Apply(live, """{"metadata":{"labels":{"old":null,"absent":null}},"data":null,"extra":{"keep":1,"drop":null}}""", BuiltInPatchSchemas.MetadataOnly);

        ShouldEqual(result, """{"metadata":{"labels":{"app":"web"}},"extra":{"keep":1}}""");
    }

    [Fact]
    public void Lists_without_a_strategy_are_replaced_whole()
    {
        var live = Deployment("""[{"name":"app","args":["a","b"]}]""");
        live["spec"]!["template"]!["spec"]!["tolerations"] = JsonNode.Parse("""[{"key":"gpu","operator":"Exists"},{"key":"spot"}]""");

        var result = Apply(live, """
            {"spec":{"template":{"spec":{"tolerations":[{"key":"gpu","effect":"NoSchedule"}],"containers":[{"name":"app","args":["c"]}]}}}}
            """, BuiltInPatchSchemas.Deployment);

        ShouldEqual(result["spec"]!["template"]!["spec"]!["tolerations"], """[{"key":"gpu","effect":"NoSchedule"}]""");
        ShouldEqual(Containers(result)[0]!["args"], """["c"]""");
    }

    [Fact]
    public void Patch_replace_on_a_map_replaces_it_and_on_a_list_replaces_the_list()
    {
        var live = Deployment("""[{"name":"app","env":[{"name":"A","value":"1"}]},{"name":"sidecar"}]""");
        live["metadata"] = JsonNode.Parse("""{"name":"web","labels":{"app":"web","tier":"x"}}""");

        var result = Apply(live, """
            {"metadata":{"labels":{"$patch":"replace","app":"new"}},
             "spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"i"}]}}}}
            """, BuiltInPatchSchemas.Deployment);

        ShouldEqual(result["metadata"]!["labels"], """{"app":"new"}""");
        ShouldEqual(Containers(result), """[{"name":"only","image":"i"}]""");
    }

    [Fact]
    public void Patch_delete_on_a_map_empties_it_and_a_new_directive_map_is_not_added()
    {
        var live = JsonNode.Parse("""{"metadata":{"labels":{"a":"1"}}}""");

        var result = Apply(live, """{"metadata":{"labels":{"$patch":"delete"},"annotations":{"$patch":"delete"}}}""", BuiltInPatchSchemas.MetadataOnly);

        ShouldEqual(result, """{"metadata":{"labels":{}}}""");
    }

    [Fact]
    public void Patch_merge_is_rejected_as_apimachinery_rejects_it()
    {
        var live = Deployment("""[{"name":"app"}]""");

        Should.Throw<ApiStatusException>(() => Apply(live, """{"spec":{"$patch":"merge"}}""", BuiltInPatchSchemas.Deployment)).Code.ShouldBe(500);
        Should.Throw<ApiStatusException>(() => Apply(live, """
            {"spec":{"template":{"spec":{"containers":[{"$patch":"merge","name":"app"}]}}}}
            """, BuiltInPatchSchemas.Deployment)).Message.ShouldContain("merging lists cannot yet be specified");
    }

    [Fact]
    public void Retain_keys_clears_the_fields_it_does_not_list()
    {
        var live = JsonNode.Parse("""{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}}}}""");

        var result = Apply(live, """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""", BuiltInPatchSchemas.Deployment);

        ShouldEqual(result, """{"spec":{"strategy":{"type":"Recreate"}}}""");
    }

    [Fact]
    public void Retain_keys_inside_a_merging_list_element_swaps_a_volume_source()
    {
        var live = JsonNode.Parse("""{"spec":{"volumes":[{"name":"data","emptyDir":{}},{"name":"cache","emptyDir":{}}]}}""");

        var result = Apply(live, """
            {"spec":{"volumes":[{"name":"data","$retainKeys":["configMap","name"],"configMap":{"name":"cm"}}]}}
            """, BuiltInPatchSchemas.Pod);

        ShouldEqual(result["spec"]!["volumes"], """[{"name":"data","configMap":{"name":"cm"}},{"name":"cache","emptyDir":{}}]""");
    }

    [Fact]
    public void Retain_keys_must_list_every_field_the_patch_sets()
    {
        var live = JsonNode.Parse("""{"spec":{"strategy":{"type":"RollingUpdate"}}}""");

        var error = Should.Throw<ApiStatusException>(() => Apply(live, """{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}""", BuiltInPatchSchemas.Deployment));

        error.Code.ShouldBe(400);
        error.Message.ShouldBe("invalid patch format of retainKeys");
    }

    [Fact]
    public void Malformed_patches_get_the_api_servers_codes()
    {
        var live = Deployment("""[{"name":"app"}]""");

        Should.Throw<ApiStatusException>(() => StrategicMergePatch.Apply(live, JsonNode.Parse("[1]"), BuiltInPatchSchemas.Deployment)).Code.ShouldBe(400);
        Should.Throw<ApiStatusException>(() => Apply(live, """{"metadata":{"$deleteFromPrimitiveListX":["a"]}}""", BuiltInPatchSchemas.Deployment)).Code.ShouldBe(400);
        Should.Throw<ApiStatusException>(() => Apply(live, """{"$setElementOrder":[]}""", BuiltInPatchSchemas.Deployment)).Code.ShouldBe(400);
        var noKey = Should.Throw<ApiStatusException>(() => Apply(live, """{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}""", BuiltInPatchSchemas.Deployment));
        noKey.Code.ShouldBe(500);
        noKey.Message.ShouldContain("does not contain declared merge key: name");
        var listOfLists = Should.Throw<ApiStatusException>(() => Apply(JsonNode.Parse("""{"metadata":{"finalizers":[["a"]]}}"""), """{"metadata":{"finalizers":[["b"]]}}""", BuiltInPatchSchemas.MetadataOnly));
        listOfLists.Code.ShouldBe(422);
    }

    [Fact]
    public void A_null_patch_changes_nothing_and_the_inputs_are_left_alone()
    {
        var live = Deployment("""[{"name":"app","env":[{"name":"A"}]}]""");
        var before = live.ToJsonString();
        var patch = JsonNode.Parse("""{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B"}]}]}}}}""")!;
        var patchBefore = patch.ToJsonString();

        ShouldEqual(StrategicMergePatch.Apply(live, null, BuiltInPatchSchemas.Deployment), before);
        StrategicMergePatch.Apply(live, patch, BuiltInPatchSchemas.Deployment);

        live.ToJsonString().ShouldBe(before);
        patch.ToJsonString().ShouldBe(patchBefore);
    }

    [Fact]
    public void Every_built_in_kind_the_server_registers_has_a_schema_and_custom_resources_have_none()
    {
        var registry = new ResourceRegistry();
        foreach (var type in registry.All)
        {
            BuiltInPatchSchemas.SupportsStrategicMergePatch(type).ShouldBeTrue(type.QualifiedName);
        }

        var custom = new ResourceType("posttrain.dev", "v1alpha1", "trainingjobs", "TrainingJob", Namespaced: true, HasStatus: true, IsCustom: true);
        BuiltInPatchSchemas.For(custom).ShouldBeNull();
        BuiltInPatchSchemas.TryGet("posttrain.dev", "TrainingJob", out _).ShouldBeFalse();
    }

    [Fact]
    public void The_pod_template_carries_the_go_types_merge_keys()
    {
        var spec = BuiltInPatchSchemas.Deployment.Field("spec").Schema.Field("template").Schema.Field("spec").Schema;
        var container = spec.Field("containers").Schema;

        spec.Field("containers").MergeKey.ShouldBe("name");
        spec.Field("initContainers").MergeKey.ShouldBe("name");
        spec.Field("ephemeralContainers").MergeKey.ShouldBe("name");
        spec.Field("volumes").ShouldBe(new PatchField(PatchStrategy.Merge, "name", RetainKeys: true, PatchSchema.Empty));
        spec.Field("imagePullSecrets").MergeKey.ShouldBe("name");
        spec.Field("hostAliases").MergeKey.ShouldBe("ip");
        spec.Field("tolerations").Strategy.ShouldBe(PatchStrategy.None);
        container.Field("env").MergeKey.ShouldBe("name");
        container.Field("ports").MergeKey.ShouldBe("containerPort");
        container.Field("volumeMounts").MergeKey.ShouldBe("mountPath");
        container.Field("volumeDevices").MergeKey.ShouldBe("devicePath");
        BuiltInPatchSchemas.Job.Field("spec").Schema.Field("template").Schema.ShouldBeSameAs(BuiltInPatchSchemas.PodTemplateSpec);
        BuiltInPatchSchemas.ServiceAccount.Field("secrets").MergeKey.ShouldBe("name");
        BuiltInPatchSchemas.PodDisruptionBudget.Field("spec").Schema.Field("selector").Strategy.ShouldBe(PatchStrategy.Replace);
        BuiltInPatchSchemas.Pod.Field("metadata").Schema.Field("finalizers").ShouldBe(PatchField.MergeSet());
    }

    /// <summary>
    /// For lists keyed by name, the patch kubectl computes between two versions (changed and new elements,
    /// $patch: delete for removed ones, $setElementOrder for the new order) turns the old list into the new one,
    /// order included.
    /// </summary>
    [Fact]
    public void A_two_way_patch_between_keyed_lists_yields_the_target()
    {
        var element = Gen.Zip(Gen.Elements("a", "b", "c", "d", "e", "f"), Gen.Choose(0, 2));
        var list = Gen.ListOf(element).Select(items => items.DistinctBy(i => i.Item1).ToList());
        Check.One(Quick, Prop.ForAll(Arb.From(Gen.Zip(list, list)), pair =>
        {
            var (before, after) = pair;
            var original = new JsonObject { ["env"] = EnvList(before) };
            var target = new JsonObject { ["env"] = EnvList(after) };
            var result = StrategicMergePatch.Apply(original, TwoWayPatch(before, after), BuiltInPatchSchemas.Container);
            return JsonNode.DeepEquals(result, target);
        }));
    }

    /// <summary>With no strategies and no directives, a strategic merge patch is a JSON merge patch (RFC 7386).</summary>
    [Fact]
    public void Without_strategies_it_agrees_with_json_merge_patch()
    {
        var documents = Gen.Sized(size => JsonGen(1 + (Math.Min(size, 12) / 4))).Where(d => d is JsonObject);
        Check.One(Quick, Prop.ForAll(Arb.From(Gen.Zip(documents, documents)), pair =>
        {
            var (original, patch) = pair;
            if (original is not JsonObject || patch is not JsonObject)
            {
                return true;
            }

            var expected = JsonPatches.MergePatch(original, patch);
            return JsonNode.DeepEquals(StrategicMergePatch.Apply(original, patch, PatchSchema.Empty), expected);
        }));
    }

    private static Gen<JsonNode?> JsonGen(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Elements("x", "y").Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Choose(0, 3).Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Constant((JsonNode?)null));
        if (depth <= 0)
        {
            return scalar;
        }

        var child = JsonGen(depth - 1);
        var map = Gen.ListOf(Gen.Zip(Gen.Elements("k", "l", "m"), child))
            .Select(entries =>
            {
                var o = new JsonObject();
                foreach (var (key, value) in entries)
                {
                    o[key] = value?.DeepClone();
                }

                return (JsonNode?)o;
            });

        // Arrays hold no nulls at any depth: a merge patch keeps them inside a new array, strategic merge patch drops them.
        var array = Gen.ListOf(JsonGen(depth - 1).Where(NoNulls)).Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]));
        return Gen.Frequency((2, scalar), (3, map), (1, array));
    }

    private static bool NoNulls(JsonNode? node) => node switch
    {
        null => false,
        JsonObject o => o.All(p => NoNulls(p.Value)),
        JsonArray a => a.All(NoNulls),
        _ => true,
    };

    private static JsonArray EnvList(List<(string Name, int Value)> items) =>
        [.. items.Select(i => (JsonNode?)new JsonObject { ["name"] = i.Name, ["value"] = $"v{i.Value}" })];

    // The two-way patch kubectl's diff makes for a list merged by name.
    private static JsonObject TwoWayPatch(List<(string Name, int Value)> before, List<(string Name, int Value)> after)
    {
        var changes = new JsonArray();
        foreach (var (name, value) in after)
        {
            var old = before.FindIndex(b => b.Name == name);
            if (old < 0 || before[old].Value != value)
            {
                changes.Add(new JsonObject { ["name"] = name, ["value"] = $"v{value}" });
            }
        }

        foreach (var (name, _) in before.Where(b => after.TrueForAll(a => a.Name != b.Name)))
        {
            changes.Add(new JsonObject { ["$patch"] = "delete", ["name"] = name });
        }

        var patch = new JsonObject();
        if (after.Count > 0)
        {
            patch["$setElementOrder/env"] = new JsonArray([.. after.Select(a => (JsonNode?)new JsonObject { ["name"] = a.Name })]);
        }

        if (changes.Count > 0)
        {
            patch["env"] = changes;
        }

        return patch;
    }

    private static JsonObject Deployment(string containers)
    {
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":1,"template":{"metadata":{"labels":{"app":"web"}},"spec":{}}}}
            """)!.AsObject();
        deployment["spec"]!["template"]!["spec"]!["containers"] = JsonNode.Parse(containers);
        return deployment;
    }

    private static JsonArray Containers(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray();

    private static JsonObject Apply(JsonNode? live, string patch, PatchSchema schema) =>
        StrategicMergePatch.Apply(live, JsonNode.Parse(patch), schema);

    private static void ShouldEqual(JsonNode? actual, string expected) => ShouldEqual(actual, JsonNode.Parse(expected));

    private static void ShouldEqual(JsonNode? actual, JsonNode? expected)
    {
        if (!JsonNode.DeepEquals(actual, expected))
        {
            actual?.ToJsonString().ShouldBe(expected?.ToJsonString());
            actual.ShouldBe(expected);
        }
    }
}
