using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

public sealed class LoraAdapterTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-lora-");

    private static readonly LoraSettings Settings = new(4, 8, 0, ["q_proj", "v_proj", "down_proj"]);

    private static CausalLanguageModel Trained(ulong seed)
    {
        var model = new CausalLanguageModel(ModelFixtures.Qwen2, seed: 5);
        Lora.Apply(model, Settings, seed);
        using var generator = new Generator(seed + 1);
        using var noGrad = TorchOps.NoGrad();
        foreach (var (name, p) in model.NamedParameters().Where(p => p.Name.Contains("lora_B", StringComparison.Ordinal)))
        {
            p.AddInPlace(TorchOps.RandN(p.Shape, ScalarType.Float32, null, generator) * 0.1);
        }

        return model;
    }

    [Fact]
    public void Only_adapters_train_and_the_adapter_round_trips_through_peft_files()
    {
        using var model = Trained(1);
        model.Parameters().Where(p => p.RequiresGrad).Count().ShouldBe(2 * 2 * 3); // A and B, 2 layers, 3 targets
        Lora.SaveAdapter(model, Settings, _dir.Path, new PeftBaseModel("org/base", "v1"));

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, Lora.ConfigFile)))!;
        config["peft_type"]!.GetValue<string>().ShouldBe("LORA");
        config["r"]!.GetValue<int>().ShouldBe(4);
        config["lora_alpha"]!.GetValue<double>().ShouldBe(8);
        config["base_model_name_or_path"]!.GetValue<string>().ShouldBe("org/base");
        config["revision"]!.GetValue<string>().ShouldBe("v1");
        PostTrain.Torch.Serialization.SafeTensors.ReadHeader(Path.Combine(_dir.Path, Lora.WeightsFile)).ShouldContain("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");

        using var fresh = new CausalLanguageModel(ModelFixtures.Qwen2, seed: 5);
        Lora.Apply(fresh, Lora.ReadSettings(_dir.Path)!, seed: 77);
        Lora.LoadAdapterWeights(fresh, _dir.Path);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids([[1, 2, 3, 4, 5]]);
        ModelFixtures.MaxAbsDiff(fresh.Forward(ids), model.Forward(ids)).ShouldBe(0f);
    }

    [Fact]
    public void A_merged_adapter_exports_as_a_plain_checkpoint_with_the_same_outputs()
    {
        using var model = Trained(2);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids([[6, 7, 8, 9]]);
        var adapted = model.Forward(ids);
        Lora.Merge(model);
        HfCheckpoint.Save(model, Path.Combine(_dir.Path, "merged"));
        using var plain = HfCheckpoint.Load(Path.Combine(_dir.Path, "merged"));
        ModelFixtures.MaxAbsDiff(plain.Forward(ids), adapted).ShouldBeLessThan(1e-5f);
    }

    [Fact]
    public void Unknown_target_modules_and_mismatched_adapters_are_clear_errors()
    {
        using var model = new CausalLanguageModel(ModelFixtures.Qwen2, seed: 5);
        Should.Throw<ArgumentException>(() => Lora.Apply(model, Settings with { TargetModules = ["qkv"] }, 1)).Message.ShouldContain("qkv");

        using var trained = Trained(3);
        Lora.SaveAdapter(trained, Settings, _dir.Path, null);
        using var other = new CausalLanguageModel(ModelFixtures.Qwen2, seed: 5);
        Lora.Apply(other, Settings with { Rank = 2 }, 1);
        Should.Throw<InvalidDataException>(() => Lora.LoadAdapterWeights(other, _dir.Path)).Message.ShouldContain("shape");
    }

    public void Dispose() => _dir.Dispose();
}
