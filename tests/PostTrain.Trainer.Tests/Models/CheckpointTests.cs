using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-ckpt-");

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(20_000L)] // forces several shards and an index
    public void Saved_and_reloaded_model_gives_identical_logits(long maxShardBytes)
    {
        using var model = new CausalLanguageModel(ModelFixtures.Llama3, seed: 1);
        ModelFixtures.Perturb(model, 2);
        var path = Path.Combine(_dir.Path, "m");
        HfCheckpoint.Save(model, path, maxShardBytes: maxShardBytes);
        File.Exists(Path.Combine(path, "config.json")).ShouldBeTrue();
        File.Exists(Path.Combine(path, "generation_config.json")).ShouldBeTrue();
        if (maxShardBytes < long.MaxValue)
        {
            File.Exists(Path.Combine(path, "model.safetensors.index.json")).ShouldBeTrue();
            HfCheckpoint.WeightFiles(path).Count.ShouldBeGreaterThan(1);
        }

        using var reloaded = HfCheckpoint.Load(path);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids([[3, 1, 4, 1, 5, 9, 2, 6]]);
        ModelFixtures.MaxAbsDiff(reloaded.Forward(ids), model.Forward(ids)).ShouldBe(0f);
    }

    [Fact]
    public void A_missing_tensor_and_a_wrong_shape_are_both_named_in_one_error()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Llama3, seed: 1);
        var path = Path.Combine(_dir.Path, "bad");
        HfCheckpoint.Save(model, path);
        // Rewrite the weights without one tensor and with another of the wrong shape.
        var file = Path.Combine(path, "model.safetensors");
        using (var scope = TorchScope.NewDisposeScope())
        {
            var tensors = PostTrain.Torch.Serialization.SafeTensors.Load(file);
            tensors.Remove("model.layers.1.mlp.up_proj.weight").ShouldBeTrue();
            tensors["model.norm.weight"] = TorchOps.Ones([63]);
            var copy = tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Contiguous());
            File.Delete(file);
            PostTrain.Torch.Serialization.SafeTensors.Save(file, copy);
        }

        var e = Should.Throw<CheckpointException>(() => HfCheckpoint.Load(path));
        e.Message.ShouldContain("missing from the checkpoint: model.layers.1.mlp.up_proj.weight");
        e.Message.ShouldContain("model.norm.weight: shape [63] does not match the config's [64]");
    }

    [Fact]
    public void A_truncated_safetensors_file_is_rejected_with_its_name()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Qwen3, seed: 1);
        var path = Path.Combine(_dir.Path, "truncated");
        HfCheckpoint.Save(model, path);
        var file = Path.Combine(path, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var e = Should.Throw<CheckpointException>(() => HfCheckpoint.Load(path));
        e.Message.ShouldContain("model.safetensors");
    }

    [Fact]
    public void A_failed_save_leaves_the_previous_checkpoint_intact()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Qwen3, seed: 1);
        var path = Path.Combine(_dir.Path, "keep");
        HfCheckpoint.Save(model, path);
        var before = File.ReadAllBytes(Path.Combine(path, "model.safetensors"));

        Should.Throw<IOException>(() => HfCheckpoint.Save(model, path, _ => throw new IOException("disk full")));

        File.ReadAllBytes(Path.Combine(path, "model.safetensors")).ShouldBe(before);
        Directory.GetDirectories(_dir.Path).Select(Path.GetFileName).ShouldBe(["keep"]);
    }

    [Fact]
    public void A_missing_directory_or_config_is_a_clear_error()
    {
        Should.Throw<CheckpointException>(() => HfCheckpoint.Load(Path.Combine(_dir.Path, "nope"))).Message.ShouldContain("not found");
    }

    public void Dispose() => _dir.Dispose();
}
