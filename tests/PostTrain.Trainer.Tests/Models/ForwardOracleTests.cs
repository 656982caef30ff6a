using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>The C# forward pass against an independent python3-torch implementation (reference_llama.py), float64 there.</summary>
public sealed class ForwardOracleTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-oracle-");

    public static TheoryData<string> Families => new() { "llama3", "qwen3", "qwen2" };

    [Theory]
    [MemberData(nameof(Families))]
    public void Forward_pass_matches_the_python_reference_within_1e_4(string family)
    {
        var config = family switch { "llama3" => ModelFixtures.Llama3, "qwen3" => ModelFixtures.Qwen3, _ => ModelFixtures.Qwen2 };
        using var model = new CausalLanguageModel(config, seed: 7);
        ModelFixtures.Perturb(model, 11);
        var checkpoint = Path.Combine(_dir.Path, family);
        HfCheckpoint.Save(model, checkpoint);

        long[][] rows = [[1, 5, 9, 33, 4, 17, 60, 2, 8, 12, 40, 3, 7, 21, 30, 50, 11, 6, 19, 25], [3, 3, 14, 15, 9, 26, 53, 58, 9, 7, 9, 3, 2, 38, 46, 26, 43, 38, 32, 7]];
        using var scope = TorchScope.NewDisposeScope();
        var logits = model.Forward(ModelFixtures.Ids(rows));

        var expected = ReferenceLlama.Logits(checkpoint, rows, _dir.Path)["logits"];

        expected.Shape.ShouldBe(logits.Shape);
        ModelFixtures.MaxAbsDiff(logits, expected).ShouldBeLessThan(1e-4f);
    }

    public void Dispose() => _dir.Dispose();
}
