using PostTrain.Torch;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Tokenizers.Builtin;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Gpu.Tests;

/// <summary>(a) Random Llama- and Qwen3-shaped models on the device against the CPU in float32.</summary>
public sealed class ForwardTests(ITestOutputHelper output)
{
    public static ModelConfig Config(string family) => BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic) with
    {
        ModelType = family,
        HiddenSize = 256,
        IntermediateSize = 704,
        NumHiddenLayers = 4,
        NumAttentionHeads = 8,
        NumKeyValueHeads = 2,
        HeadDim = 32,
        QkNorm = family == "qwen3",
        TieWordEmbeddings = family == "qwen3",
    };

    [Theory]
    [InlineData("llama", true)]
    [InlineData("llama", false)] // no padding: plain causal attention (the flash kernel on CUDA)
    [InlineData("qwen3", true)]
    public void Logits_on_the_device_match_the_cpu_fp32_within_1e_3_and_in_bf16_within_2e_2(string family, bool padded)
    {
        using var scope = TorchScope.NewDisposeScope();
        var config = Config(family);
        using var cpu = new CausalLanguageModel(config, seed: 7);
        cpu.Eval();
        using var onDevice = new CausalLanguageModel(config, seed: 7);
        onDevice.To(CheckDevice.Device);
        onDevice.Eval();
        using var generator = new Generator(3);
        var ids = TorchOps.RandInt(0, config.VocabSize, [3, 48], generator: generator);
        var mask = TorchOps.Ones([3, 48], ScalarType.Int64);
        mask.Narrow(1, 0, 5).Select(0, 1).FillInPlace(0); // row 1 is left-padded by 5
        using var noGrad = TorchOps.NoGrad();
        var reference = padded ? cpu.Forward(ids, mask) : cpu.Forward(ids);
        Tensor Logits(bool bf16)
        {
            using var autocast = bf16 ? TorchOps.Autocast(CheckDevice.Device.Type) : (IDisposable?)null;
            var i = ids.To(CheckDevice.Device);
            return padded ? onDevice.Forward(i, mask.To(CheckDevice.Device)) : onDevice.Forward(i);
        }

        var fp32 = CheckDevice.MaxAbsDifference(Logits(false), reference);
        var bf16 = CheckDevice.MaxAbsDifference(Logits(true), reference);
        output.WriteLine($"{family} on {CheckDevice.Device} (padded {padded}): max |logit difference| fp32 {fp32:E2}, bf16 {bf16:E2}; logits up to {reference.Abs().Max().Item<float>():F3}");
        fp32.ShouldBeLessThan(1e-3);
        bf16.ShouldBeLessThan(2e-2);
    }
}
