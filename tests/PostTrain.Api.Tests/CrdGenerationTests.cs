using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Schema;
using PostTrain.Api.Yaml;

namespace PostTrain.Api.Tests;

public class CrdGenerationTests
{
    public static TheoryData<Type> Kinds => new(CrdGenerator.KindTypes);

    [Fact]
    public void Crds_on_disk_match_the_CSharp_types()
    {
        var generated = CrdGenerator.GenerateAll();
        generated.Count.ShouldBe(3);
        var stale = new List<string>();
        foreach (var (name, yaml) in generated)
        {
            var path = Path.Combine(TestManifests.CrdDirectory, name);
            if (!File.Exists(path) || File.ReadAllText(path) != yaml)
            {
                stale.Add(name);
            }
        }

        var extra = Directory.GetFiles(TestManifests.CrdDirectory, "posttrain.dev_*.yaml")
            .Select(Path.GetFileName).Where(name => !generated.ContainsKey(name!)).ToList();
        stale.ShouldBeEmpty($"crds/ is stale: run `make crds` (or `dotnet run --project operator/PostTrain.Operator -c Release -- crds crds/`) and commit. Stale: {string.Join(", ", stale)}");
        extra.ShouldBeEmpty("crds/ holds CRDs no C# kind generates; delete them");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Crd_is_a_structurally_valid_apiextensions_v1_CRD(Type kindType)
    {
        var crd = TestManifests.LoadCrd(kindType);
        var entity = CrdGenerator.EntityOf(kindType);

        crd["apiVersion"]!.GetValue<string>().ShouldBe("apiextensions.k8s.io/v1");
        crd["kind"]!.GetValue<string>().ShouldBe("CustomResourceDefinition");
        crd["metadata"]!["name"]!.GetValue<string>().ShouldBe($"{entity.PluralName}.posttrain.dev");
        var spec = crd["spec"]!.AsObject();
        spec["group"]!.GetValue<string>().ShouldBe("posttrain.dev");
        spec["scope"]!.GetValue<string>().ShouldBe("Namespaced");
        var names = spec["names"]!.AsObject();
        names["kind"]!.GetValue<string>().ShouldBe(entity.Kind);
        names["listKind"]!.GetValue<string>().ShouldBe(entity.Kind + "List");
        names["plural"]!.GetValue<string>().ShouldBe(entity.PluralName);
        names["singular"]!.GetValue<string>().ShouldBe(entity.Kind.ToLowerInvariant());
        names["categories"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldContain("posttrain");
        names["shortNames"]!.AsArray().Count.ShouldBeGreaterThan(0);

        var versions = spec["versions"]!.AsArray();
        versions.Count.ShouldBe(1);
        var version = versions[0]!.AsObject();
        version["name"]!.GetValue<string>().ShouldBe("v1alpha1");
        version["served"]!.GetValue<bool>().ShouldBeTrue();
        version["storage"]!.GetValue<bool>().ShouldBeTrue();
        version["subresources"]!["status"].ShouldBeOfType<JsonObject>();

        var schema = TestManifests.OpenApiSchema(crd);
        schema["type"]!.GetValue<string>().ShouldBe("object");
        schema["properties"]!.AsObject().Select(p => p.Key).ShouldBe(["apiVersion", "kind", "metadata", "spec", "status"], ignoreOrder: true);
        schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["spec"]);
        var problems = new List<string>();
        CheckStructural(schema, "", problems);
        problems.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_field_has_a_description_from_the_XML_documentation(Type kindType)
    {
        var schema = TestManifests.OpenApiSchema(TestManifests.LoadCrd(kindType));
        var missing = new List<string>();
        CollectUndescribed(schema["properties"]!["spec"]!.AsObject(), "spec", missing);
        CollectUndescribed(schema["properties"]!["status"]!.AsObject(), "status", missing);
        missing.ShouldBeEmpty();
        schema["properties"]!["spec"]!["properties"]!["seed"]!["description"]!.GetValue<string>()
            .ShouldBe("The seed of every random choice (shuffling, initialisation, sampling), for reproducible runs.");
    }

    [Fact]
    public void Printer_columns_show_phase_progress_the_key_metric_and_age()
    {
        string[] Columns(Type type) => TestManifests.LoadCrd(type)["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null).Select(c => $"{c!["name"]}={c["jsonPath"]}").ToArray();

        Columns(typeof(SftJob)).ShouldBe(["Phase=.status.phase", "Progress=.status.progress.percent", "Loss=.status.progress.metrics.loss", "Age=.metadata.creationTimestamp"]);
        Columns(typeof(RlvrJob)).ShouldBe(["Phase=.status.phase", "Progress=.status.progress.percent", "Reward=.status.progress.metrics.reward_mean", "Age=.metadata.creationTimestamp"]);
        Columns(typeof(EvalJob)).ShouldBe(["Phase=.status.phase", "Progress=.status.progress.percent", "Accuracy=.status.result.metrics.accuracy", "Age=.metadata.creationTimestamp"]);
    }

    [Fact]
    public void Schema_carries_defaults_enums_bounds_CEL_rules_and_opaque_fields()
    {
        var spec = TestManifests.OpenApiSchema(TestManifests.LoadCrd(typeof(RlvrJob)))["properties"]!["spec"]!.AsObject();
        var properties = spec["properties"]!.AsObject();

        properties["resources"]!["default"].ShouldBeOfType<JsonObject>();
        properties["resources"]!["properties"]!["gpuResourceName"]!["default"]!.GetValue<string>().ShouldBe("nvidia.com/gpu");
        properties["resources"]!["properties"]!["cpu"]!["x-kubernetes-int-or-string"]!.GetValue<bool>().ShouldBeTrue();
        properties["resume"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["auto", "never"]);
        properties["resume"]!["default"]!.GetValue<string>().ShouldBe("auto");

        var algorithm = properties["algorithm"]!["properties"]!.AsObject();
        algorithm["advantage"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["grpo", "grpoNoStd", "drGrpo", "rloo"]);
        algorithm["lossAggregation"]!["enum"]!.AsArray().Count.ShouldBe(4);
        algorithm["kl"]!["properties"]!["estimator"]!["default"]!.GetValue<string>().ShouldBe("k3");
        algorithm["clip"]!["properties"]!["dualClipC"]!["exclusiveMinimum"]!.GetValue<bool>().ShouldBeTrue();

        var training = properties["training"]!["properties"]!.AsObject();
        training["learningRate"]!["minimum"]!.GetValue<long>().ShouldBe(0);
        training["learningRate"]!["exclusiveMinimum"]!.GetValue<bool>().ShouldBeTrue();
        training["learningRate"]!["default"]!.GetValue<double>().ShouldBe(1e-6);

        Rules(properties["model"]!).ShouldContain("self == oldSelf");
        Rules(properties["model"]!).ShouldContain("has(self.source) != has(self.fromJob)");
        Rules(properties["dataset"]!).ShouldContain("self == oldSelf");
        Rules(properties["reward"]!["items"]!).Count.ShouldBeGreaterThanOrEqualTo(6);
        spec["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["dataset", "model", "reward"], ignoreOrder: true);

        var scheduling = properties["scheduling"]!["properties"]!.AsObject();
        scheduling["affinity"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>().ShouldBeTrue();
        scheduling["tolerations"]!["items"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>().ShouldBeTrue();

        var status = TestManifests.OpenApiSchema(TestManifests.LoadCrd(typeof(RlvrJob)))["properties"]!["status"]!["properties"]!.AsObject();
        status["phase"]!["enum"]!.AsArray().Select(e => e!.GetValue<string>())
            .ShouldBe(["Pending", "WaitingForDependency", "Running", "Succeeded", "Failed", "Suspended"]);
        status["conditions"]!["x-kubernetes-list-type"]!.GetValue<string>().ShouldBe("map");
        status["conditions"]!["items"]!["required"]!.AsArray().Select(r => r!.GetValue<string>())
            .ShouldBe(["lastTransitionTime", "message", "reason", "status", "type"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Generated_yaml_reads_back_to_the_same_tree(Type kindType)
    {
        var tree = CrdGenerator.Generate(kindType, XmlDocumentation.ForAssembly(typeof(CrdGenerator).Assembly));
        var yaml = YamlWriter.Write(tree);
        JsonNode.DeepEquals(YamlJsonReader.ReadAll(yaml)[0].Root, tree).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Values_compared_by_CEL_rules_are_bounded_so_the_rule_cost_estimate_stays_small(Type kindType)
    {
        // The API server rejects a CRD whose CEL rules may cost too much; unbounded strings and lists under
        // `self == oldSelf` are what blows the estimate, so everything such a rule compares has a size bound.
        var unbounded = new List<string>();
        void FindRules(JsonObject schema, string path)
        {
            if (Rules(schema).Any(r => r.Contains("oldSelf", StringComparison.Ordinal)))
            {
                CheckBounded(schema, path);
            }

            foreach (var (name, child) in schema["properties"] as JsonObject ?? [])
            {
                FindRules(child!.AsObject(), $"{path}.{name}");
            }

            if (schema["items"] is JsonObject items)
            {
                FindRules(items, path + "[]");
            }
        }

        void CheckBounded(JsonObject schema, string path)
        {
            var type = schema["type"]?.GetValue<string>();
            if (type == "string" && schema["maxLength"] is null)
            {
                unbounded.Add(path);
            }

            if (type == "array" && schema["maxItems"] is null)
            {
                unbounded.Add(path);
            }

            if (schema["x-kubernetes-preserve-unknown-fields"] is not null || schema["additionalProperties"] is not null)
            {
                unbounded.Add(path);
            }

            foreach (var (name, child) in schema["properties"] as JsonObject ?? [])
            {
                CheckBounded(child!.AsObject(), $"{path}.{name}");
            }

            if (schema["items"] is JsonObject items)
            {
                CheckBounded(items, path + "[]");
            }
        }

        FindRules(TestManifests.OpenApiSchema(TestManifests.LoadCrd(kindType)), "");
        unbounded.ShouldBeEmpty();
    }

    [Fact]
    public void Generation_is_deterministic_across_processes_and_kind_order()
    {
        // The expected text comes from outside this process: crds/ was written by an earlier run of the generator (make
        // crds) and committed. Generating here in the reverse kind order, each kind from a fresh documentation reader,
        // must reproduce it byte for byte, so neither reflection order, caches nor generation order leak into the YAML.
        foreach (var kindType in CrdGenerator.KindTypes.Reverse())
        {
            var yaml = CrdGenerator.GenerateYaml(kindType, XmlDocumentation.ForAssembly(typeof(CrdGenerator).Assembly));
            yaml.ShouldBe(File.ReadAllText(Path.Combine(TestManifests.CrdDirectory, CrdGenerator.FileName(kindType))));
        }
    }

    private static List<string> Rules(JsonNode schema) =>
        (schema["x-kubernetes-validations"] as JsonArray)?.Select(r => r!["rule"]!.GetValue<string>()).ToList() ?? [];

    /// <summary>The rules of a structural schema that kube-apiserver enforces when a CRD is created.</summary>
    private static void CheckStructural(JsonObject schema, string path, List<string> problems)
    {
        var type = schema["type"]?.GetValue<string>();
        var intOrString = schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        if (type is null && !intOrString && !preserve)
        {
            problems.Add($"{path}: type is required");
        }

        if (type is not null and not ("object" or "array" or "string" or "integer" or "number" or "boolean"))
        {
            problems.Add($"{path}: unknown type {type}");
        }

        if (schema["properties"] is JsonObject && schema["additionalProperties"] is not null)
        {
            problems.Add($"{path}: properties and additionalProperties are mutually exclusive");
        }

        if (type == "array" && schema["items"] is not JsonObject)
        {
            problems.Add($"{path}: arrays need items");
        }

        foreach (var forbidden in new[] { "$ref", "allOf", "oneOf", "not", "uniqueItems", "additionalItems", "definitions", "dependencies" })
        {
            if (schema.ContainsKey(forbidden))
            {
                problems.Add($"{path}: {forbidden} is not allowed in a structural schema");
            }
        }

        if (schema["anyOf"] is not null && !intOrString)
        {
            problems.Add($"{path}: anyOf only for int-or-string here");
        }

        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (schema["properties"]?[name] is null)
                {
                    problems.Add($"{path}: required {name} is not a property");
                }
            }
        }

        if (schema["default"] is { } value && schema["required"] is not null && value is JsonObject)
        {
            problems.Add($"{path}: default {{}} would not satisfy required");
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                CheckStructural(child!.AsObject(), $"{path}.{name}", problems);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            CheckStructural(items, path + "[]", problems);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            CheckStructural(additional, path + "{}", problems);
        }
    }

    private static void CollectUndescribed(JsonObject schema, string path, List<string> missing)
    {
        if (schema["description"] is null)
        {
            missing.Add(path);
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                CollectUndescribed(child!.AsObject(), $"{path}.{name}", missing);
            }
        }

        if (schema["items"] is JsonObject { } items && items["properties"] is not null)
        {
            foreach (var (name, child) in items["properties"]!.AsObject())
            {
                CollectUndescribed(child!.AsObject(), $"{path}[].{name}", missing);
            }
        }
    }
}
