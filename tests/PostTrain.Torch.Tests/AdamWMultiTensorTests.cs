using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;

namespace PostTrain.Torch.Tests;

public class AdamWMultiTensorTests
{
    [Fact]
    public void The_multi_tensor_update_does_the_per_tensor_arithmetic()
    {
        float[][] Run(bool multiTensor)
        {
            using var scope = TorchScope.NewDisposeScope();
            using var generator = new Generator(4);
            var decayed = new Parameter(Tensors.RandN([5, 3], generator: generator));
            var plain = new Parameter(Tensors.RandN([7], generator: generator));
            var frozen = new Parameter(Tensors.RandN([2], generator: generator));
            using var optimizer = new AdamW([new ParameterGroup([decayed, frozen], 0.1), new ParameterGroup([plain], 0.0)], learningRate: 0.05) { MultiTensor = multiTensor };
            for (var step = 0; step < 3; step++)
            {
                decayed.Grad = Tensors.RandN([5, 3], generator: generator);
                plain.Grad = Tensors.RandN([7], generator: generator);
                frozen.Grad = null; // no gradient: skipped by both forms
                optimizer.Step();
            }

            return [decayed.ToArray<float>(), plain.ToArray<float>(), frozen.ToArray<float>()];
        }

        var loop = Run(false);
        var foreach_ = Run(true);
        for (var i = 0; i < loop.Length; i++)
        {
            for (var j = 0; j < loop[i].Length; j++)
            {
                foreach_[i][j].ShouldBe(loop[i][j], 1e-6f);
            }
        }

    }
}
