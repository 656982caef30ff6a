using System.Text.Json.Nodes;
using PostTrain.Api.Serialization;
using PostTrain.Api.Validation;
using PostTrain.Api.Yaml;

namespace PostTrain.Api.Tests;

/// <summary>Sample manifests against the CRD files on disk, with the same validator examples/ will be checked with.</summary>
public class CrdSchemaValidationTests
{
    public static TheoryData<string> ValidSamples => new("sft.yaml", "pipeline.yaml", "rlvr-code.yaml", "job.json");

    [Theory]
    [MemberData(nameof(ValidSamples))]
    public void Valid_samples_satisfy_their_CRD_schema(string file)
    {
        foreach (var document in YamlJsonReader.ReadAll(TestManifests.Read(file)))
        {
            var root = document.Root!.AsObject();
            var schema = SchemaOnDisk(root["kind"]!.GetValue<string>());
            StructuralSchemaValidator.Validate(root, schema).ShouldBeEmpty();
        }
    }

    [Fact]
    public void CrdSchemaSet_checks_manifests_against_the_CRD_files_with_lines()
    {
        var crds = CrdSchemaSet.Load(TestManifests.CrdDirectory);
        crds.Kinds.Select(k => $"{k.ApiVersion} {k.Kind}").ShouldBe(
            ["posttrain.dev/v1alpha1 SftJob", "posttrain.dev/v1alpha1 RlvrJob", "posttrain.dev/v1alpha1 EvalJob"], ignoreOrder: true);

        crds.Validate(TestManifests.Read("pipeline.yaml"), "pipeline.yaml", out var count).ShouldBeEmpty();
        count.ShouldBe(3);

        var errors = crds.Validate("apiVersion: v1\nkind: Namespace\n---\n" + TestManifests.Read("invalid/many-errors.yaml"), "bad.yaml", out count);
        count.ShouldBe(1);
        errors.Select(e => e.ToString()).ShouldContain("bad.yaml:16:5: spec.training.learningRate: must be > 0 (got 0)");
        errors.Count.ShouldBe(4);
    }

    [Fact]
    public void Invalid_sample_reports_every_schema_error_with_its_path()
    {
        var root = YamlJsonReader.ReadAll(TestManifests.Read("invalid/many-errors.yaml"))[0].Root!;
        var errors = StructuralSchemaValidator.Validate(root, SchemaOnDisk("SftJob")).Select(e => e.ToString()).ToList();

        errors.ShouldContain("spec.dataset.format: must be one of: messages, promptCompletion, gsm8k, mbpp, parquet (got \"chat\")");
        errors.ShouldContain("spec.training.learningRate: must be > 0 (got 0)");
        errors.ShouldContain(e => e.StartsWith("spec.training.learningrate: unknown field \"learningrate\"", StringComparison.Ordinal));
        errors.ShouldContain("spec.training.batchSize: expected an integer, got the string \"lots\"");
        errors.Count.ShouldBe(4);
    }

    [Fact]
    public void Validator_checks_required_bounds_lengths_items_patterns_and_int_or_string()
    {
        var schema = SchemaOnDisk("RlvrJob");
        var root = JsonNode.Parse("""
            {"apiVersion":"posttrain.dev/v1alpha1","kind":"RlvrJob","metadata":{"name":"x"},
             "spec":{"model":{"source":"gs://bucket/model"},"dataset":{"source":""},"reward":[],
                     "resources":{"cpu":true,"memory":"lots","nodes":0},
                     "rollout":{"topP":1.5,"groupSize":2.5},
                     "status":{}}}
            """);
        var errors = StructuralSchemaValidator.Validate(root, schema).Select(e => e.ToString()).ToList();

        errors.ShouldContain(e => e.StartsWith("spec.model.source: \"gs://bucket/model\" does not match the pattern", StringComparison.Ordinal));
        errors.ShouldContain("spec.dataset.source: must have at least 1 character (has 0)");
        errors.ShouldContain("spec.reward: must have at least 1 item (has 0)");
        errors.ShouldContain("spec.resources.cpu: expected an integer or a string, got the boolean true");
        errors.ShouldContain(e => e.StartsWith("spec.resources.memory: \"lots\" does not match the pattern", StringComparison.Ordinal));
        errors.ShouldContain("spec.resources.nodes: must be >= 1 (got 0)");
        errors.ShouldContain("spec.rollout.topP: must be <= 1 (got 1.5)");
        errors.ShouldContain("spec.rollout.groupSize: expected an integer, got the number 2.5");
        errors.ShouldContain(e => e.StartsWith("spec.status: unknown field", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("spec.dataset.source: \"\" does not match the pattern", StringComparison.Ordinal));
        errors.Count.ShouldBe(10, string.Join("\n", errors));
    }

    [Fact]
    public void Missing_required_fields_are_reported_and_metadata_is_left_to_the_server()
    {
        var root = JsonNode.Parse("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"EvalJob","metadata":{"whatever":1},"spec":{"metrics":{"passAtK":{"k":[]}}}}""");
        var errors = StructuralSchemaValidator.Validate(root, SchemaOnDisk("EvalJob")).Select(e => e.ToString()).ToList();

        errors.ShouldBe(
            [
                "spec.dataset: required field is missing",
                "spec.models: required field is missing",
                "spec.metrics.passAtK.k: must have at least 1 item (has 0)",
            ],
            ignoreOrder: true);
    }

    [Fact]
    public void Dollar_means_end_of_text_as_in_RE2()
    {
        var schema = new JsonObject { ["type"] = "string", ["pattern"] = "^[a-z]+$" };
        StructuralSchemaValidator.Validate(JsonValue.Create("abc"), schema).ShouldBeEmpty();
        StructuralSchemaValidator.Validate(JsonValue.Create("abc\n"), schema).ShouldHaveSingleItem().Message.ShouldContain("does not match");
        StructuralSchemaValidator.Validate(JsonValue.Create("a$"), new JsonObject { ["type"] = "string", ["pattern"] = "^a[$]$" }).ShouldBeEmpty();
    }

    [Fact]
    public void Duplicate_condition_types_violate_the_list_map()
    {
        var job = JobJson.Deserialize(TestManifests.Read("job.json"));
        job.Status!.Conditions!.Add(job.Status.Conditions[0]);
        var errors = StructuralSchemaValidator.Validate(JobJson.ToNode(job), SchemaOnDisk("EvalJob"));
        errors.Select(e => e.ToString()).ShouldBe(["status.conditions[1]: duplicate entry for key \"Ready\""]);
    }

    [Fact]
    public void Defaults_of_a_minimal_job_satisfy_the_schema()
    {
        foreach (var type in CrdGenerator.KindTypes)
        {
            var job = (Jobs.PostTrainJob)Activator.CreateInstance(type)!;
            var errors = StructuralSchemaValidator.Validate(JobJson.ToNode(job), CrdGenerator.ValidationSchema(type)).Select(e => e.Path).ToList();

            // Only what a user must choose is missing or empty.
            errors.ShouldAllBe(path => path == "spec.dataset.source" || path == "spec.reward" || path == "spec.models");
        }
    }

    private static JsonObject SchemaOnDisk(string kind) =>
        TestManifests.OpenApiSchema(TestManifests.LoadCrd(JobJson.Kinds[kind]));
}
