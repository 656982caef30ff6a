using PostTrain.Operator.Controllers;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Tests;

/// <summary>Checkpoint locations reported by workers, old and new, read as sources another pod can open.</summary>
public sealed class CheckpointLocationTests
{
    [Theory]
    [InlineData("/mnt/pvc/checkpoints/sft-gsm8k/checkpoint-000100", "pvc://checkpoints/sft-gsm8k/checkpoint-000100")]
    [InlineData("file:///mnt/pvc/checkpoints/sft-gsm8k/checkpoint-000100", "pvc://checkpoints/sft-gsm8k/checkpoint-000100")]
    [InlineData("/mnt/pvc/ckpt/checkpoint-000001/", "pvc://ckpt/checkpoint-000001")]
    public void A_path_under_the_claim_mount_root_becomes_the_claims_uri(string reported, string expected) =>
        CheckpointLocations.Normalize(reported).ShouldBe(expected);

    [Theory]
    [InlineData("pvc://checkpoints/sft-gsm8k/checkpoint-000100")]
    [InlineData("/var/lib/posttrain/output/checkpoint-000010")] // an emptyDir output: nothing to mount
    [InlineData("file:///data/ckpt/checkpoint-000010")]
    [InlineData("runs/sft/checkpoint-000010")]
    [InlineData("hf://org/model")]
    [InlineData("/mnt/pvc")]
    [InlineData("not a uri: at all")]
    public void Anything_else_is_kept_as_reported(string reported) =>
        CheckpointLocations.Normalize(reported).ShouldBe(reported);

    [Fact]
    public void A_job_json_chained_from_a_pod_local_path_by_an_older_operator_has_not_drifted()
    {
        const string old = """
            {"apiVersion":"posttrain.dev/v1alpha1","kind":"EvalJob","spec":{"models":[
              {"name":"base","source":"hf://Qwen/Qwen2.5-0.5B"},{"name":"sft","source":"/mnt/pvc/checkpoints/sft/checkpoint-000100"}],
              "dataset":{"source":"pvc://datasets/t.jsonl"}}}
            """;
        var current = old.Replace("/mnt/pvc/checkpoints/", "pvc://checkpoints/", StringComparison.Ordinal);
        var edited = current.Replace("checkpoint-000100", "checkpoint-000200", StringComparison.Ordinal);

        SpecDrift.ChangedFields(old, current).ShouldBeEmpty();
        SpecDrift.ChangedFields(old, edited).ShouldBe(["spec.models"]);
    }
}
