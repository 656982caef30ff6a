using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>The one-pass RMS norm with autograd (float32 CPU training) against the composite in float64.</summary>
public class RmsNormTrainingTests
{
    private static float MaxDiff(Tensor a, Tensor b) => (a.Double() - b.Double()).Abs().Max().Item<double>() is var d ? (float)d : 0f;

    [Theory]
    [InlineData(7, 128)]
    [InlineData(3, 37)] // a width that is not a multiple of 8
    public void Output_and_gradients_match_the_float64_composite(int rows, int width)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var generator = new Generator(12);
        var x = Tensors.RandN([2, rows, width], generator: generator).WithRequiresGrad();
        var weight = (Tensors.RandN([width], generator: generator) + 1.0).Detach().WithRequiresGrad();
        var upstream = Tensors.RandN([2, rows, width], generator: generator);

        var y = F.RmsNorm(x, weight, 1e-6);
        (y * upstream).Sum().Backward();

        var x64 = x.Detach().Double().WithRequiresGrad();
        var w64 = weight.Detach().Double().WithRequiresGrad();
        var expected = F.RmsNorm(x64, w64, 1e-6);
        (expected * upstream.Double()).Sum().Backward();

        MaxDiff(y, expected).ShouldBeLessThan(1e-5f);
        MaxDiff(x.Grad!, x64.Grad!).ShouldBeLessThan(1e-5f, "dx");
        MaxDiff(weight.Grad!, w64.Grad!).ShouldBeLessThan(1e-4f, "dw"); // a sum over 2 × rows products
    }
}
