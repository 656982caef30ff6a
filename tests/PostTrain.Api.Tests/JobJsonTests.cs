using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;

namespace PostTrain.Api.Tests;

public class JobJsonTests
{
    [Fact]
    public void Uses_the_CRD_field_names_and_enum_names_and_omits_nulls()
    {
        var job = new RlvrJob { Metadata = new() { Name = "r" } };
        job.Spec.Model.Source = "builtin://tiny";
        job.Spec.Dataset.Source = "builtin://arithmetic";
        job.Spec.Algorithm.Advantage = AdvantageEstimator.GrpoNoStd;
        job.Spec.Algorithm.LossAggregation = LossAggregation.SeqMeanTokenSumNorm;
        job.Spec.Reward.Add(new RewardSpec { Type = RewardType.Regex, Pattern = "x" });
        job.Status = new JobStatus { Phase = JobPhase.WaitingForDependency };

        var node = JsonNode.Parse(JobJson.Serialize(job))!;
        node["apiVersion"]!.GetValue<string>().ShouldBe("posttrain.dev/v1alpha1");
        node["kind"]!.GetValue<string>().ShouldBe("RlvrJob");
        node["spec"]!["algorithm"]!["advantage"]!.GetValue<string>().ShouldBe("grpoNoStd");
        node["spec"]!["algorithm"]!["lossAggregation"]!.GetValue<string>().ShouldBe("seqMeanTokenSumNorm");
        node["spec"]!["algorithm"]!["kl"]!["estimator"]!.GetValue<string>().ShouldBe("k3");
        node["spec"]!["reward"]![0]!["type"]!.GetValue<string>().ShouldBe("regex");
        node["spec"]!["reward"]![0]!.AsObject().ContainsKey("url").ShouldBeFalse();
        node["spec"]!["model"]!["dtype"]!.GetValue<string>().ShouldBe("auto");
        node["spec"]!["resources"]!["gpuResourceName"]!.GetValue<string>().ShouldBe("nvidia.com/gpu");
        node["spec"]!.AsObject().ContainsKey("referenceModel").ShouldBeFalse();
        node["status"]!["phase"]!.GetValue<string>().ShouldBe("WaitingForDependency");
        node.AsObject().ContainsKey("commonSpec").ShouldBeFalse();
        node.AsObject().ContainsKey("displayName").ShouldBeFalse();
    }

    [Fact]
    public void Times_are_written_as_metav1_Time()
    {
        var job = new SftJob();
        job.Metadata.CreationTimestamp = new DateTimeOffset(2026, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2));
        JsonNode.Parse(JobJson.Serialize(job))!["metadata"]!["creationTimestamp"]!.GetValue<string>().ShouldBe("2026-01-02T03:04:05Z");
    }

    [Fact]
    public void The_job_json_sample_round_trips_byte_for_byte_after_one_normalisation()
    {
        var job = JobJson.Deserialize(TestManifests.Read("job.json"));
        var once = JobJson.Serialize(job);
        JobJson.Serialize(JobJson.Deserialize(once)).ShouldBe(once);
        JsonNode.Parse(once)!["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>().ShouldBe("kubectl");
    }

    [Fact]
    public void Owner_references_are_kept_through_a_read_modify_write_without_a_model_of_their_own()
    {
        const string json = """
            {"apiVersion":"posttrain.dev/v1alpha1","kind":"SftJob","metadata":{"name":"s","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"u-1","controller":true}]},
             "spec":{"model":{"source":"builtin://tiny"},"dataset":{"source":"builtin://arithmetic"}}}
            """;
        var job = JobJson.Deserialize(json);
        job.Metadata.Labels = new() { ["edited"] = "yes" };

        var owners = JsonNode.Parse(JobJson.Serialize(job))!["metadata"]!["ownerReferences"]!.AsArray();
        owners.Count.ShouldBe(1);
        owners[0]!["uid"]!.GetValue<string>().ShouldBe("u-1");
        owners[0]!["controller"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Files_written_are_read_back_equal()
    {
        var jobs = JobManifestLoader.Load(TestManifests.Read("pipeline.yaml"));
        var path = Path.Combine(Path.GetTempPath(), $"posttrain-job-{Guid.NewGuid():N}.json");
        try
        {
            foreach (var job in jobs)
            {
                await JobJson.WriteFileAsync(path, job);
                var back = await JobJson.ReadFileAsync(path);
                back.GetType().ShouldBe(job.GetType());
                JobJson.Serialize(back).ShouldBe(JobJson.Serialize(job));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unknown_members_wrong_kinds_and_wrong_versions_are_rejected()
    {
        Should.Throw<JsonException>(() => JobJson.Deserialize("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"SftJob","spec":{"bogus":1}}"""))
            .Message.ShouldContain("bogus");
        Should.Throw<JsonException>(() => JobJson.Deserialize("""{"apiVersion":"posttrain.dev/v1","kind":"SftJob"}"""))
            .Message.ShouldBe("apiVersion: expected posttrain.dev/v1alpha1, got 'posttrain.dev/v1'");
        Should.Throw<JsonException>(() => JobJson.Deserialize("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"Job"}"""))
            .Message.ShouldBe("kind: expected one of SftJob, RlvrJob, EvalJob, got 'Job'");
        Should.Throw<JsonException>(() => JobJson.Deserialize<SftJob>("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"EvalJob"}"""))
            .Message.ShouldBe("expected kind SftJob, got EvalJob");
    }

    [Fact]
    public void Quantities_accept_numbers_and_strings()
    {
        var job = JobJson.Deserialize<SftJob>("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"SftJob","spec":{"resources":{"cpu":4,"memory":"16Gi","sharedMemory":1.5}}}""");
        job.Spec.Resources.Cpu.ShouldBe("4");
        job.Spec.Resources.SharedMemory.ShouldBe("1.5");
        JsonNode.Parse(JobJson.Serialize(job))!["spec"]!["resources"]!["cpu"]!.GetValue<string>().ShouldBe("4");
    }

    [Fact]
    public void Random_jobs_round_trip_through_JSON() =>
        Prop.ForAll(RandomJobs.Arbitrary(), job =>
        {
            var json = JobJson.Serialize(job);
            var back = JobJson.Deserialize(json);
            return back.GetType() == job.GetType() && JobJson.Serialize(back) == json && JsonNode.DeepEquals(JobJson.ToNode(back), JsonNode.Parse(json));
        }).QuickCheckThrowOnFailure();
}
