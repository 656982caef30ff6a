using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>Which PersistentVolumeClaims a rendered pod mounts, and under which volume names (no server needed).</summary>
public sealed class ClaimRenderingTests
{
    private static readonly WorkloadRenderer Renderer = new(new WorkloadOptions { DefaultImage = "img:1" });

    private static T Job<T>(string kind, JsonObject spec)
        where T : PostTrainJob =>
        (T)JobJson.FromNode(new JsonObject { ["apiVersion"] = JobKinds.Sft.ApiVersion, ["kind"] = kind, ["metadata"] = new JsonObject { ["name"] = "j", ["namespace"] = "ml" }, ["spec"] = spec });

    private static JobResource Owner(string kind) => new()
    {
        ApiVersion = JobKinds.Sft.ApiVersion,
        Kind = kind,
        Metadata = new V1ObjectMeta { Name = "j", NamespaceProperty = "ml", Uid = "uid-1" },
    };

    [Fact]
    public void Every_source_of_a_job_names_its_claim_once()
    {
        var spec = Specs.Rlvr("unused");
        spec["model"] = new JsonObject { ["source"] = "pvc://sft-out/sft/checkpoint-000010" }; // a resolved fromJob
        spec["referenceModel"] = new JsonObject { ["source"] = "pvc://models/qwen" };
        spec["dataset"] = new JsonObject { ["source"] = "pvc://datasets/gsm8k/train.jsonl", ["format"] = "gsm8k" };
        spec["output"] = new JsonObject { ["uri"] = "pvc://models/rlvr" };
        var rlvr = Job<RlvrJob>(RlvrJob.KindName, spec);

        WorkloadRenderer.Claims(rlvr).ShouldBe(["datasets", "models", "sft-out"]);
        ClaimMountTests.ShouldMountExactly(Renderer.Render(rlvr, Owner(RlvrJob.KindName)).Job, "datasets", "models", "sft-out");
    }

    [Fact]
    public void A_model_adapter_on_a_claim_mounts_that_claim()
    {
        var spec = Specs.Rlvr("unused");
        spec["model"] = new JsonObject { ["source"] = "hf://Qwen/Qwen2.5-0.5B", ["adapter"] = "pvc://adapters/math-lora" };
        spec["dataset"] = new JsonObject { ["source"] = "pvc://datasets/gsm8k/train.jsonl", ["format"] = "gsm8k" };
        var rlvr = Job<RlvrJob>(RlvrJob.KindName, spec);

        WorkloadRenderer.Claims(rlvr).ShouldBe(["adapters", "ckpt", "datasets"]);
        ClaimMountTests.ShouldMountExactly(Renderer.Render(rlvr, Owner(RlvrJob.KindName)).Job, "adapters", "ckpt", "datasets");
    }

    [Fact]
    public void An_eval_job_mounts_the_claim_of_every_model_and_of_its_dataset_with_its_output_in_an_empty_dir()
    {
        var eval = Job<EvalJob>(EvalJob.KindName, Specs.Parse("""
            {
              "models": [
                {"name": "base", "source": "hf://Qwen/Qwen2.5-0.5B"},
                {"name": "sft", "source": "pvc://checkpoints/sft-gsm8k/checkpoint-000100"},
                {"name": "other", "source": "pvc://archive/old-sft/checkpoint-000050"},
                {"name": "local", "source": "/models/tiny"}
              ],
              "dataset": {"source": "pvc://datasets/gsm8k/test.jsonl", "format": "gsm8k"}
            }
            """));

        WorkloadRenderer.Claims(eval).ShouldBe(["archive", "checkpoints", "datasets"]);
        var job = Renderer.Render(eval, Owner(EvalJob.KindName)).Job;
        ClaimMountTests.ShouldMountExactly(job, "archive", "checkpoints", "datasets");
        job.Spec.Template.Spec.Volumes!.ShouldContain(v => v.Name == "output" && v.EmptyDir != null);
    }

    [Fact]
    public void Claims_whose_names_differ_only_by_dots_and_dashes_get_distinct_valid_volumes()
    {
        var eval = Job<EvalJob>(EvalJob.KindName, Specs.Parse("""
            {
              "models": [
                {"name": "a", "source": "pvc://models.v1/a"},
                {"name": "b", "source": "pvc://models-v1/b"}
              ],
              "dataset": {"source": "builtin://arithmetic?digits=2", "split": "test"}
            }
            """));

        ClaimMountTests.ShouldMountExactly(Renderer.Render(eval, Owner(EvalJob.KindName)).Job, "models-v1", "models.v1");
        ChildNames.ClaimVolume("models-v1").ShouldBe("pvc-models-v1");
        ChildNames.ClaimVolume("models.v1").ShouldStartWith("pvc-models-v1-");
    }

    [Fact]
    public void A_long_claim_name_gets_a_volume_name_within_a_dns_label()
    {
        var long1 = new string('a', 200) + ".x";
        var long2 = new string('a', 200) + ".y";
        var names = new[] { long1, long2, new string('b', 59), new string('b', 60) }.Select(ChildNames.ClaimVolume).ToList();

        names.ShouldAllBe(n => n.Length <= ChildNames.MaxLabelLength && !n.EndsWith('-'));
        names.ShouldBeUnique();
        names[2].ShouldBe("pvc-" + new string('b', 59));
        ChildNames.ClaimVolume(long1).ShouldBe(ChildNames.ClaimVolume(long1), "stable across calls");
    }
}
