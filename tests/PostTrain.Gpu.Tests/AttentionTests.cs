using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Gpu.Tests;

/// <summary>Fused scaled-dot-product attention (libtorch ≥ 2.1; flash or memory-efficient on CUDA) against the math.</summary>
public sealed class AttentionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Fused_attention_matches_softmax_of_scaled_products(bool bf16, bool paddingMask)
    {
        using var scope = TorchScope.NewDisposeScope();
        var device = CheckDevice.Device;
        using var generator = new Generator(11);
        var q = TorchOps.RandN([2, 8, 128, 64], generator: generator);
        var k = TorchOps.RandN([2, 8, 128, 64], generator: generator);
        var v = TorchOps.RandN([2, 8, 128, 64], generator: generator);
        var keys = TorchOps.Arange(128).Unsqueeze(0);
        var causal = keys <= TorchOps.Arange(128).Unsqueeze(1); // [T, S]
        var real = TorchOps.Ones([2, 1, 1, 128], ScalarType.Bool);
        real.Select(0, 1).Narrow(-1, 0, 16).FillInPlace(0); // the second sequence's first 16 keys are padding
        var allowed = paddingMask ? (causal.Unsqueeze(0).Unsqueeze(0) & real) | keys.Eq(TorchOps.Arange(128).Unsqueeze(1)) : causal;

        // The math, in float32 on the CPU.
        var scores = q.MatMul(k.Transpose(-2, -1)) / 8.0;
        var expected = scores.MaskedFill(!allowed, double.NegativeInfinity).Softmax(-1).MatMul(v);

        var dtype = bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var (qd, kd, vd) = (q.To(device, dtype), k.To(device, dtype), v.To(device, dtype));
        var actual = paddingMask
            ? Functional.ScaledDotProductAttention(qd, kd, vd, allowed.To(device))
            : Functional.ScaledDotProductAttention(qd, kd, vd, isCausal: true);
        var difference = CheckDevice.MaxAbsDifference(actual, expected);
        output.WriteLine($"{device}, {dtype}, {(paddingMask ? "padding mask" : "causal")}: max |difference| {difference:E2}; capabilities {TorchRuntime.Capabilities}, libtorch {TorchRuntime.Version}");
        difference.ShouldBeLessThan(bf16 ? 2e-2 : 1e-4);
    }
}
