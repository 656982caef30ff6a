using System.Globalization;
using System.Text.Json;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using Xunit.Abstractions;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>
/// PEFT adapter directories written by make_peft_adapter.py (by hand, following PEFT's layout, not by PostTrain's
/// writer) load onto their base with the outputs of W + scaling·B·A computed in Python (float64).
/// </summary>
public sealed class PeftAdapterOracleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-peft-");

    private static readonly long[][] Rows = [[1, 5, 9, 33, 4, 17, 60, 2, 8, 12, 40, 3], [3, 3, 14, 15, 9, 26, 53, 58, 9, 7, 9, 3]];

    [Theory]
    [InlineData("q_proj,v_proj,o_proj,gate_proj,down_proj", 4, 16.0, false, "F32")]
    [InlineData("all-linear", 8, 8.0, true, "BF16")]
    public void An_independently_written_adapter_loads_onto_its_base_as_W_plus_scaling_B_A(string targets, int rank, double alpha, bool rsLora, string dtype)
    {
        var basePath = Path.Combine(_dir.Path, "base");
        using (var model = new CausalLanguageModel(ModelFixtures.Llama3, seed: 7))
        {
            ModelFixtures.Perturb(model, 11);
            HfCheckpoint.Save(model, basePath);
        }

        var adapterPath = Path.Combine(_dir.Path, "adapter");
        var mergedPath = Path.Combine(_dir.Path, "merged");
        var expectedPath = Path.Combine(_dir.Path, "expected.safetensors");
        PythonOracle.Run("make_peft_adapter.py", basePath, adapterPath, mergedPath, expectedPath, rank.ToString(CultureInfo.InvariantCulture),
            alpha.ToString(CultureInfo.InvariantCulture), rsLora ? "true" : "false", targets, "3", dtype);
        File.Exists(Path.Combine(adapterPath, "config.json")).ShouldBeFalse("an adapter-only directory");
        Lora.IsAdapterOnly(adapterPath).ShouldBeTrue();

        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var expected = SafeTensors.Load(expectedPath);

        // Merged into the base weights.
        using var merged = HfCheckpoint.Load(basePath);
        var config = Lora.MergeAdapter(merged, adapterPath);
        config.BaseModel.ShouldBe(new PeftBaseModel(Path.GetFullPath(basePath)));
        config.Settings.Scale.ShouldBe(rsLora ? alpha / Math.Sqrt(rank) : alpha / rank);
        var targetCount = 0;
        var weightDiff = 0f;
        foreach (var (name, _, projection) in Lora.Projections(merged).Where(p => expected.ContainsKey(p.Path + ".weight")))
        {
            weightDiff = Math.Max(weightDiff, ModelFixtures.MaxAbsDiff(projection.Weight, expected[name + ".weight"]));
            targetCount++;
        }

        targetCount.ShouldBe(ModelFixtures.Llama3.NumHiddenLayers * (targets == "all-linear" ? 7 : 5));
        weightDiff.ShouldBeLessThan(1e-5f);

        // Attached as an adapter (what a LoRA run resumes): each projection's output is x (W + scaling·B·A)ᵀ + b.
        using var attached = HfCheckpoint.Load(basePath);
        Lora.Apply(attached, config.Settings, seed: 99);
        Lora.LoadAdapterWeights(attached, adapterPath);
        attached.Eval();
        var outputDiff = 0f;
        foreach (var (name, _, projection) in Lora.Projections(attached).Where(p => expected.ContainsKey("x:" + p.Path)))
        {
            outputDiff = Math.Max(outputDiff, ModelFixtures.MaxAbsDiff(projection.Forward(expected["x:" + name]), expected["y:" + name]));
        }

        outputDiff.ShouldBeLessThan(1e-5f);

        // The whole model: logits of the Python-merged checkpoint, by the independent reference forward pass.
        var ids = ModelFixtures.Ids(Rows);
        merged.Eval();
        var logits = merged.Forward(ids);
        var idsPath = Path.Combine(_dir.Path, "ids.json");
        File.WriteAllText(idsPath, JsonSerializer.Serialize(Rows));
        var logitsPath = Path.Combine(_dir.Path, "logits.safetensors");
        PythonOracle.Run("reference_llama.py", mergedPath, idsPath, logitsPath);
        var referenceDiff = ModelFixtures.MaxAbsDiff(logits, SafeTensors.Load(logitsPath)["logits"]);
        referenceDiff.ShouldBeLessThan(1e-4f);
        var attachedDiff = ModelFixtures.MaxAbsDiff(attached.Forward(ids), logits);
        attachedDiff.ShouldBeLessThan(1e-5f);
        output.WriteLine($"{targets} r={rank} alpha={alpha} rslora={rsLora} {dtype}: max |W - W_py| {weightDiff:E2}, max |y - y_py| {outputDiff:E2}, logits vs reference {referenceDiff:E2}, attached vs merged {attachedDiff:E2}");
    }

    public void Dispose() => _dir.Dispose();
}
