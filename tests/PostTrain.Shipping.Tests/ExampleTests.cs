using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Serialization;
using PostTrain.Api.Validation;
using PostTrain.Api.Yaml;

namespace PostTrain.Shipping.Tests;

/// <summary>Every example validates against the chart's CRD schemas and the operator's semantic checks.</summary>
public sealed class ExampleTests
{
    private static readonly string Examples = Path.Combine(TestPaths.RepoRoot, "examples");
    private static readonly CrdSchemaSet Schemas = CrdSchemaSet.Load(Path.Combine(TestPaths.RepoRoot, "charts", "posttrain", "crds"));

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Examples, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Examples, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_PostTrain_document_fits_the_crd_schema_and_passes_the_operators_validation(string file)
    {
        var path = Path.Combine(Examples, file);
        var text = File.ReadAllText(path);
        var errors = Schemas.Validate(text, "examples/" + file, out _).Select(e => e.ToString()).ToList();
        foreach (var document in YamlJsonReader.ReadAll(text).Where(IsPostTrain))
        {
            var job = JobJson.FromNode(document.Root!.AsObject());
            errors.AddRange(JobValidator.Validate(job).Select(e => $"examples/{file}:{document.PositionOf(e.Path)}: {e}"));
        }

        errors.ShouldBeEmpty(string.Join('\n', errors));
    }

    [Fact]
    public void The_cluster_examples_cover_the_issue_list()
    {
        var jobs = ClusterJobs();
        jobs.OfType<SftJob>().ShouldContain(j => j.Spec.Dataset.Source.StartsWith("pvc://", StringComparison.Ordinal) && j.Spec.Dataset.Format == DatasetFormat.Gsm8k, "SFT on GSM8K-format data from a PVC");
        jobs.OfType<RlvrJob>().ShouldContain(j => j.Spec.Model.FromJob != null && j.Spec.Reward.Any(r => r.Type == RewardType.Math), "RLVR from the SFT job with a math reward");
        jobs.OfType<RlvrJob>().ShouldContain(j => j.Spec.Dataset.Format == DatasetFormat.Mbpp && j.Spec.Reward.Any(r => r.Type == RewardType.Code), "code RLVR with MBPP tests");
        jobs.OfType<EvalJob>().ShouldContain(j => j.Spec.Models.Count >= 2 && j.Spec.Models.Any(m => m.FromJob != null), "an EvalJob comparing checkpoints");
        jobs.OfType<SftJob>().ShouldContain(j => j.Spec.Resources.Nodes > 1, "multi-node SFT");
        jobs.ShouldContain(j => j.CommonSpec.Scheduling != null && !string.IsNullOrEmpty(j.CommonSpec.Scheduling.QueueName), "a Kueue-queued job");
        Directory.GetFiles(Path.Combine(Examples, "local"), "*.yaml").ShouldNotBeEmpty("examples for runs without a cluster");
    }

    [Fact]
    public void Every_fromJob_in_the_cluster_examples_names_a_job_they_define()
    {
        var jobs = ClusterJobs();
        var defined = jobs.Select(j => (j.Kind, j.Metadata.Name)).ToHashSet();
        foreach (var job in jobs)
        {
            foreach (var (path, reference) in job.JobReferences())
            {
                defined.ShouldContain((reference.Kind.ToString(), reference.Name), $"{job.DisplayName} {path} depends on {reference.Kind}/{reference.Name}");
            }
        }
    }

    [Fact]
    public void A_broken_example_is_reported_with_file_line_and_field()
    {
        var text = File.ReadAllText(Path.Combine(Examples, "sft-gsm8k.yaml")).Replace("learningRate: 1e-5", "learningRate: lots", StringComparison.Ordinal);
        var errors = Schemas.Validate(text, "examples/sft-gsm8k.yaml", out var count);
        count.ShouldBe(1);
        var error = errors.ShouldHaveSingleItem().ToString();
        error.ShouldStartWith("examples/sft-gsm8k.yaml:");
        error.ShouldContain("spec.training.learningRate");
    }

    private static List<PostTrainJob> ClusterJobs() =>
        Directory.GetFiles(Examples, "*.yaml", SearchOption.TopDirectoryOnly)
            .SelectMany(f => YamlJsonReader.ReadAll(File.ReadAllText(f)))
            .Where(IsPostTrain)
            .Select(d => JobJson.FromNode(d.Root!.AsObject()))
            .ToList();

    private static bool IsPostTrain(YamlJsonDocument document) =>
        document.Root is JsonObject root && ((string?)root["apiVersion"])?.StartsWith("posttrain.dev/", StringComparison.Ordinal) == true;
}
