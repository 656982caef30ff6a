using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Kube.Testing.Protobuf;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Kubernetes protobuf request bodies decode to the JSON the same request would carry: bodies captured from kubectl
/// 1.34.5 and helm 4.1.4 (Fixtures/protobuf, see its README), and vectors built by hand from the .proto files.
/// </summary>
public sealed class ProtobufDecodingTests
{
    private const string UnsupportedDeployment =
        "protobuf bodies are decoded for Namespace, Secret, ConfigMap, ServiceAccount and DeleteOptions; send application/json for Deployment";

    private static readonly string[] CapturedNames =
    [
        "namespace-kubectl-create",
        "secret-kubectl-create-generic",
        "secret-kubectl-create-docker-registry",
        "configmap-kubectl-create",
        "serviceaccount-kubectl-create",
        "secret-helm-install",
        "secret-helm-deployed",
        "deleteoptions-helm-uninstall",
    ];

    public static TheoryData<string> Captured { get; } = new(CapturedNames);

    private static byte[] Body(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "protobuf", name + ".pb"));

    private static JsonObject Expected(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "protobuf", name + ".json")))!.AsObject();

    private static string Text(JsonNode? node) => Encoding.UTF8.GetString(Convert.FromBase64String((string)node!));

    private static void ShouldEqualJson(JsonNode actual, JsonNode expected) =>
        JsonNode.DeepEquals(actual, expected).ShouldBeTrue($"decoded {actual.ToJsonString()}\nexpected {expected.ToJsonString()}");

    [Theory]
    [MemberData(nameof(Captured))]
    public void A_captured_body_decodes_to_its_json(string name) =>
        ShouldEqualJson(KubernetesProtobuf.Decode(Body(name)), Expected(name));

    [Fact]
    public void Kubectl_create_namespace_keeps_the_name_and_drops_the_empty_fields_it_sends()
    {
        // kubectl writes every non-pointer ObjectMeta field (empty strings, generation 0, an empty creationTimestamp)
        // and an empty spec and status; JSON leaves the omitempty ones out, as kubectl's JSON body would.
        var ns = KubernetesProtobuf.Decode(Body("namespace-kubectl-create"));
        ((string?)ns["apiVersion"]).ShouldBe("v1");
        ((string?)ns["kind"]).ShouldBe("Namespace");
        var metadata = ns["metadata"]!.AsObject();
        ((string?)metadata["name"]).ShouldBe("team-a");
        metadata.Select(p => p.Key).ShouldBe(["name"]);
        ns["spec"]!.AsObject().Count.ShouldBe(0);
        ns["status"]!.AsObject().Count.ShouldBe(0);
    }

    [Fact]
    public void Kubectl_create_secret_generic_carries_base64_data_type_and_the_save_config_annotation()
    {
        var secret = KubernetesProtobuf.Decode(Body("secret-kubectl-create-generic"));
        ((string?)secret["kind"]).ShouldBe("Secret");
        ((string?)secret["metadata"]!["name"]).ShouldBe("app-secret");
        ((string?)secret["metadata"]!["namespace"]).ShouldBe("team-a");
        ((string?)secret["type"]).ShouldBe("Opaque");
        ((string?)secret["data"]!["username"]).ShouldBe("YWRtaW4=");
        Text(secret["data"]!["username"]).ShouldBe("admin");
        Text(secret["data"]!["password"]).ShouldBe("p@ss w0rd");
        secret["data"]!.AsObject().Count.ShouldBe(2);
        secret["stringData"].ShouldBeNull();
        secret["immutable"].ShouldBeNull();
        var lastApplied = (string?)secret["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"];
        var applied = JsonNode.Parse(lastApplied!)!;
        ((string?)applied["metadata"]!["name"]).ShouldBe("app-secret");
        ((string?)applied["data"]!["password"]).ShouldBe("cEBzcyB3MHJk");
        secret["metadata"]!["labels"].ShouldBeNull();
    }

    [Fact]
    public void Kubectl_create_secret_docker_registry_carries_the_dockerconfigjson()
    {
        var secret = KubernetesProtobuf.Decode(Body("secret-kubectl-create-docker-registry"));
        ((string?)secret["type"]).ShouldBe("kubernetes.io/dockerconfigjson");
        var config = JsonNode.Parse(Text(secret["data"]![".dockerconfigjson"]))!;
        var auth = config["auths"]!["registry.example.com"]!;
        ((string?)auth["username"]).ShouldBe("bot");
        ((string?)auth["password"]).ShouldBe("hunter2");
        ((string?)auth["email"]).ShouldBe("bot@example.com");
        Text(auth["auth"]).ShouldBe("bot:hunter2");
    }

    [Fact]
    public void Kubectl_create_configmap_puts_text_in_data_and_binary_files_base64_in_binaryData()
    {
        var map = KubernetesProtobuf.Decode(Body("configmap-kubectl-create"));
        ((string?)map["kind"]).ShouldBe("ConfigMap");
        ((string?)map["data"]!["mode"]).ShouldBe("fast");
        ((string?)map["data"]!["notes"]).ShouldBe("line1\nline2 ü\n");
        Convert.FromBase64String((string)map["binaryData"]!["blob"]!).ShouldBe([0x00, 0x01, 0x02, 0xFF, 0xFE, .. "binary"u8.ToArray()]);
        map["immutable"].ShouldBeNull();
    }

    [Fact]
    public void Kubectl_create_serviceaccount_is_metadata_only()
    {
        var sa = KubernetesProtobuf.Decode(Body("serviceaccount-kubectl-create"));
        ((string?)sa["kind"]).ShouldBe("ServiceAccount");
        sa.Select(p => p.Key).ShouldBe(["apiVersion", "kind", "metadata"]);
        ((string?)sa["metadata"]!["name"]).ShouldBe("builder");
        ((string?)sa["metadata"]!["namespace"]).ShouldBe("team-a");
    }

    [Theory]
    [InlineData("secret-helm-install", "pending-install", "createdAt")]
    [InlineData("secret-helm-deployed", "deployed", "modifiedAt")]
    public void A_helm_release_secret_has_its_labels_type_and_the_gzipped_release(string name, string status, string stampLabel)
    {
        var secret = KubernetesProtobuf.Decode(Body(name));
        ((string?)secret["type"]).ShouldBe("helm.sh/release.v1");
        var metadata = secret["metadata"]!;
        ((string?)metadata["name"]).ShouldBe("sh.helm.release.v1.demo.v1");
        metadata["namespace"].ShouldBeNull();
        var labels = metadata["labels"]!.AsObject();
        labels.Select(p => p.Key).Order(StringComparer.Ordinal).ShouldBe(new[] { "name", "owner", "status", "version", stampLabel }.Order(StringComparer.Ordinal));
        ((string?)labels["name"]).ShouldBe("demo");
        ((string?)labels["owner"]).ShouldBe("helm");
        ((string?)labels["status"]).ShouldBe(status);
        ((string?)labels["version"]).ShouldBe("1");

        // helm stores base64(gzip(release JSON)) as the secret's bytes; JSON then base64-encodes those bytes again.
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(Text(secret["data"]!["release"]))), CompressionMode.Decompress);
        var release = JsonNode.Parse(gzip)!;
        ((string?)release["name"]).ShouldBe("demo");
        ((string?)release["namespace"]).ShouldBe("team-a");
        ((int?)release["version"]).ShouldBe(1);
        ((string?)release["info"]!["status"]).ShouldBe(status);
    }

    [Fact]
    public void A_helm_uninstall_delete_body_is_an_empty_DeleteOptions()
    {
        var options = KubernetesProtobuf.Decode(Body("deleteoptions-helm-uninstall"));
        ShouldEqualJson(options, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "DeleteOptions" });
    }

    [Fact]
    public void ObjectMeta_decodes_every_field_with_times_as_rfc3339_and_pointer_zeros_kept()
    {
        var raw = new ProtobufWriter()
            .Message(1, m => m
                .String(1, "app").String(2, "app-").String(3, "team-a").String(4, "/api/v1/namespaces/team-a/configmaps/app")
                .String(5, "7c2b6a1e-0000-4000-8000-000000000001").String(6, "42").Int64(7, 3)
                .Message(8, t => t.Int64(1, 1_700_000_000).Int64(2, 999_999_999))
                .Message(9, t => t.Int64(1, 1_700_000_060))
                .Int64(10, 0)
                .MapEntry(11, "app", "web").MapEntry(11, "tier", "")
                .MapEntry(12, "note", "ünïcode ✓")
                .Message(13, o => o.String(1, "Deployment").String(3, "web").String(4, "uid-1").String(5, "apps/v1").Bool(6, true).Bool(7, false))
                .Message(13, o => o.String(1, "").String(3, "").String(4, "").String(5, ""))
                .String(14, "example.com/cleanup").String(14, "")
                .Message(17, f => f
                    .String(1, "kubectl-create").String(2, "Update").String(3, "v1")
                    .Message(4, t => t.Int64(1, 0))
                    .String(6, "FieldsV1")
                    .Message(7, v => v.String(1, """{"f:data":{"f:k":{}}}"""))
                    .String(8, "")))
            .ToArray();

        var decoded = KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "ConfigMap", raw));

        var expected = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = "app",
                ["generateName"] = "app-",
                ["namespace"] = "team-a",
                ["selfLink"] = "/api/v1/namespaces/team-a/configmaps/app",
                ["uid"] = "7c2b6a1e-0000-4000-8000-000000000001",
                ["resourceVersion"] = "42",
                ["generation"] = 3,
                ["creationTimestamp"] = "2023-11-14T22:13:20Z",
                ["deletionTimestamp"] = "2023-11-14T22:14:20Z",
                ["deletionGracePeriodSeconds"] = 0,
                ["labels"] = new JsonObject { ["app"] = "web", ["tier"] = "" },
                ["annotations"] = new JsonObject { ["note"] = "ünïcode ✓" },
                ["ownerReferences"] = new JsonArray(
                    new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "web", ["uid"] = "uid-1", ["controller"] = true, ["blockOwnerDeletion"] = false },
                    new JsonObject { ["apiVersion"] = "", ["kind"] = "", ["name"] = "", ["uid"] = "" }),
                ["finalizers"] = new JsonArray("example.com/cleanup", ""),
                ["managedFields"] = new JsonArray(new JsonObject
                {
                    ["manager"] = "kubectl-create",
                    ["operation"] = "Update",
                    ["apiVersion"] = "v1",
                    ["time"] = "1970-01-01T00:00:00Z",
                    ["fieldsType"] = "FieldsV1",
                    ["fieldsV1"] = new JsonObject { ["f:data"] = new JsonObject { ["f:k"] = new JsonObject() } },
                }),
            },
        };
        ShouldEqualJson(decoded, expected);
    }

    [Fact]
    public void Int64_fields_keep_negative_and_large_values()
    {
        var raw = new ProtobufWriter().Message(1, m => m.String(1, "n").Int64(7, long.MaxValue).Int64(10, -1)).ToArray();
        var metadata = KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", raw))["metadata"]!;
        ((long?)metadata["generation"]).ShouldBe(long.MaxValue);
        ((long?)metadata["deletionGracePeriodSeconds"]).ShouldBe(-1);
    }

    [Fact]
    public void Go_zero_time_and_an_empty_time_are_left_out()
    {
        var raw = new ProtobufWriter().Message(1, m => m.String(1, "n").Message(8, t => t.Int64(1, -62_135_596_800)).Message(9, _ => { })).ToArray();
        var metadata = KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", raw))["metadata"]!.AsObject();
        metadata.Select(p => p.Key).ShouldBe(["name"]);
    }

    [Fact]
    public void A_time_outside_years_1_to_9999_is_invalid()
    {
        var raw = new ProtobufWriter().Message(1, m => m.Message(8, t => t.Int64(1, 253_402_300_800))).ToArray();
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", raw)))
            .Message.ShouldContain("ObjectMeta.creationTimestamp");
    }

    [Fact]
    public void Secret_decodes_immutable_stringData_and_a_false_immutable_is_kept()
    {
        var raw = new ProtobufWriter()
            .Message(1, m => m.String(1, "s"))
            .MapEntry(2, "bin", [0xFF, 0x00])
            .MapEntry(2, "empty", [])
            .String(3, "kubernetes.io/basic-auth")
            .MapEntry(4, "username", "admin")
            .Bool(5, false)
            .ToArray();
        var expected = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "s" },
            ["data"] = new JsonObject { ["bin"] = "/wA=", ["empty"] = "" },
            ["type"] = "kubernetes.io/basic-auth",
            ["stringData"] = new JsonObject { ["username"] = "admin" },
            ["immutable"] = false,
        };
        ShouldEqualJson(KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", raw)), expected);
    }

    [Fact]
    public void ConfigMap_decodes_immutable_and_a_repeated_map_key_keeps_the_last_value()
    {
        var raw = new ProtobufWriter()
            .Message(1, m => m.String(1, "c"))
            .MapEntry(2, "k", "first").MapEntry(2, "k", "second")
            .MapEntry(3, "b", [1, 2, 3])
            .Bool(4, true)
            .ToArray();
        var expected = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "c" },
            ["data"] = new JsonObject { ["k"] = "second" },
            ["binaryData"] = new JsonObject { ["b"] = "AQID" },
            ["immutable"] = true,
        };
        ShouldEqualJson(KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "ConfigMap", raw)), expected);
    }

    [Fact]
    public void ServiceAccount_decodes_secrets_imagePullSecrets_and_automount()
    {
        var raw = new ProtobufWriter()
            .Message(1, m => m.String(1, "sa").String(3, "team-a"))
            .Message(2, r => r.String(1, "Secret").String(2, "team-a").String(3, "sa-token").String(4, "u").String(5, "v1").String(6, "9").String(7, "data"))
            .Message(2, r => r.String(3, "other").String(1, ""))
            .Message(3, r => r.String(1, "regcred"))
            .Message(3, r => r.String(1, ""))
            .Bool(4, false)
            .ToArray();
        var expected = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = "sa", ["namespace"] = "team-a" },
            ["secrets"] = new JsonArray(
                new JsonObject { ["kind"] = "Secret", ["namespace"] = "team-a", ["name"] = "sa-token", ["uid"] = "u", ["apiVersion"] = "v1", ["resourceVersion"] = "9", ["fieldPath"] = "data" },
                new JsonObject { ["name"] = "other" }),
            ["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "regcred" }, new JsonObject()),
            ["automountServiceAccountToken"] = false,
        };
        ShouldEqualJson(KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "ServiceAccount", raw)), expected);
    }

    [Fact]
    public void Namespace_decodes_spec_finalizers_and_status_conditions()
    {
        var raw = new ProtobufWriter()
            .Message(1, m => m.String(1, "ns"))
            .Message(2, s => s.String(1, "kubernetes").String(1, "example.com/x"))
            .Message(3, s => s
                .String(1, "Terminating")
                .Message(2, c => c.String(1, "NamespaceDeletionContentFailure").String(2, "False").Message(4, t => t.Int64(1, 86_400)).String(5, "").String(6, "")))
            .ToArray();
        var expected = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = "ns" },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes", "example.com/x") },
            ["status"] = new JsonObject
            {
                ["phase"] = "Terminating",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "NamespaceDeletionContentFailure", ["status"] = "False", ["lastTransitionTime"] = "1970-01-02T00:00:00Z" }),
            },
        };
        ShouldEqualJson(KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Namespace", raw)), expected);
    }

    [Fact]
    public void DeleteOptions_decodes_every_field_and_keeps_a_zero_grace_period()
    {
        var raw = new ProtobufWriter()
            .Int64(1, 0)
            .Message(2, p => p.String(1, "uid-1").String(2, ""))
            .Bool(3, false)
            .String(4, "Foreground")
            .String(5, "All")
            .Bool(6, true)
            .ToArray();
        var expected = new JsonObject
        {
            ["apiVersion"] = "meta.k8s.io/v1",
            ["kind"] = "DeleteOptions",
            ["gracePeriodSeconds"] = 0,
            ["preconditions"] = new JsonObject { ["uid"] = "uid-1", ["resourceVersion"] = "" },
            ["orphanDependents"] = false,
            ["propagationPolicy"] = "Foreground",
            ["dryRun"] = new JsonArray("All"),
            ["ignoreStoreReadErrorWithClusterBreakingPotential"] = true,
        };
        ShouldEqualJson(KubernetesProtobuf.Decode(ProtobufWriter.Envelope("meta.k8s.io/v1", "DeleteOptions", raw)), expected);
    }

    [Fact]
    public void DeleteOptions_is_decoded_under_any_group_version_as_every_group_registers_it()
    {
        var raw = new ProtobufWriter().Int64(1, 5).String(4, "Background").ToArray();
        var decoded = KubernetesProtobuf.Decode(ProtobufWriter.Envelope("apps/v1", "DeleteOptions", raw));
        ((long?)decoded["gracePeriodSeconds"]).ShouldBe(5);
        ((string?)decoded["propagationPolicy"]).ShouldBe("Background");
        ((string?)decoded["apiVersion"]).ShouldBe("apps/v1");
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped_at_every_level()
    {
        static byte[] Build(bool unknown)
        {
            ProtobufWriter Extra(ProtobufWriter w) => unknown ? w.UnknownFields() : w;
            var raw = Extra(new ProtobufWriter())
                .Message(1, m => Extra(m.String(1, "s"))
                    .Message(11, e => Extra(e.String(1, "app")).String(2, "web"))
                    .Message(13, o => Extra(o.String(1, "Deployment").String(3, "web").String(4, "u").String(5, "apps/v1")))
                    .Message(8, t => Extra(t.Int64(1, 1_700_000_000)))
                    .Message(17, f => Extra(f.String(1, "m")).Message(7, v => Extra(v.String(1, "{}")))))
                .MapEntry(2, "k", [1])
                .String(3, "Opaque");
            var body = Extra(new ProtobufWriter())
                .Message(1, t => Extra(t.String(1, "v1").String(2, "Secret")))
                .Bytes(2, Extra(raw).ToArray())
                .String(3, "")
                .String(4, "");
            return [.. "k8s\0"u8.ToArray(), .. Extra(body).ToArray()];
        }

        var plain = KubernetesProtobuf.Decode(Build(unknown: false));
        var extended = KubernetesProtobuf.Decode(Build(unknown: true));
        ShouldEqualJson(extended, plain);
        ((string?)plain["metadata"]!["labels"]!["app"]).ShouldBe("web");
        ((string?)plain["metadata"]!["creationTimestamp"]).ShouldBe("2023-11-14T22:13:20Z");
    }

    [Fact]
    public void Captured_bodies_with_unknown_fields_appended_decode_the_same()
    {
        foreach (var name in CapturedNames)
        {
            byte[] body = [.. Body(name), .. new ProtobufWriter().UnknownFields().ToArray()];
            ShouldEqualJson(KubernetesProtobuf.Decode(body), Expected(name));
        }
    }

    [Fact]
    public void A_truncated_body_is_invalid_data()
    {
        var body = Body("secret-kubectl-create-generic");
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(body.AsSpan(0, body.Length - 1)));
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(body.AsSpan(0, body.Length / 2))).Message.ShouldContain("past the end");
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(body.AsSpan(0, 3))).Message.ShouldContain("k8s");
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode("k8s\0"u8)).Message.ShouldContain("no kind");
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("", "Secret", []))).Message.ShouldContain("no apiVersion");
    }

    [Fact]
    public void Every_prefix_of_a_captured_body_decodes_or_is_invalid_data_and_never_fails_otherwise()
    {
        foreach (var name in CapturedNames)
        {
            var body = Body(name);
            for (var length = 0; length < body.Length; length++)
            {
                try
                {
                    KubernetesProtobuf.Decode(body.AsSpan(0, length));
                }
                catch (InvalidDataException)
                {
                }
            }
        }
    }

    [Fact]
    public void Corrupted_captured_bodies_fail_only_with_invalid_data_or_not_supported()
    {
        var bodies = CapturedNames.Select(Body).ToArray();
        var mutation = Gen.Zip(Gen.Choose(0, bodies.Length - 1), Gen.ListOf(Gen.Zip(Gen.Choose(4, 10_000), Gen.Choose(0, 255), (at, value) => (at, value))));
        var config = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(500);
        Check.One(config, Prop.ForAll(Arb.From(mutation), input =>
        {
            var body = bodies[input.Item1].ToArray();
            foreach (var (at, value) in input.Item2)
            {
                body[at % body.Length] = (byte)value;
            }

            try
            {
                KubernetesProtobuf.Decode(body);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
            }
        }));
    }

    [Fact]
    public void A_known_field_with_the_wrong_wire_type_is_invalid_data_naming_it()
    {
        var raw = new ProtobufWriter().Message(1, m => m.Int64(1, 5)).ToArray();
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", raw)))
            .Message.ShouldContain("ObjectMeta.name");
    }

    [Fact]
    public void A_managed_fields_entry_whose_fieldsV1_is_not_json_is_invalid_data()
    {
        var raw = new ProtobufWriter().Message(1, m => m.Message(17, f => f.Message(7, v => v.String(1, "{not json")))).ToArray();
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "ConfigMap", raw)))
            .Message.ShouldContain("ManagedFieldsEntry.fieldsV1");
    }

    [Fact]
    public void A_body_of_another_kind_is_not_supported_and_names_the_kind()
    {
        var raw = new ProtobufWriter().Message(1, m => m.String(1, "web")).ToArray();
        Should.Throw<NotSupportedException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("apps/v1", "Deployment", raw)))
            .Message.ShouldBe(UnsupportedDeployment);
    }

    [Fact]
    public void A_supported_kind_name_in_another_group_is_not_supported()
    {
        Should.Throw<NotSupportedException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("example.com/v1", "Secret", [])))
            .Message.ShouldEndWith("send application/json for Secret in example.com/v1");
    }

    [Fact]
    public void A_compressed_or_non_protobuf_raw_object_is_not_supported()
    {
        Should.Throw<NotSupportedException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", [], contentEncoding: "gzip")))
            .Message.ShouldContain("gzip");
        Should.Throw<NotSupportedException>(() => KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", [], contentType: "application/json")))
            .Message.ShouldContain("application/json");
        KubernetesProtobuf.Decode(ProtobufWriter.Envelope("v1", "Secret", [], contentType: "application/vnd.kubernetes.protobuf"))
            .Select(p => p.Key).ShouldBe(["apiVersion", "kind"]);
    }

    [Fact]
    public void A_json_body_is_invalid_data()
    {
        Should.Throw<InvalidDataException>(() => KubernetesProtobuf.Decode("""{"kind":"Namespace"}"""u8));
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("Application/VND.Kubernetes.Protobuf", true)]
    [InlineData("application/vnd.kubernetes.protobuf; charset=utf-8", true)]
    [InlineData(" application/vnd.kubernetes.protobuf ", true)]
    [InlineData("application/json", false)]
    [InlineData("application/vnd.kubernetes.protobuf+json", false)]
    [InlineData("application/merge-patch+json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsProtobuf_matches_the_media_type_whatever_its_case_and_parameters(string? contentType, bool expected) =>
        KubernetesProtobuf.IsProtobuf(contentType).ShouldBe(expected);
}
