using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>Runs alone: it reads the process-wide count of native tensor handles.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeCounterCollection
{
    public const string Name = "native tensor counter";
}

[Collection(NativeCounterCollection.Name)]
public class LeakTests
{
    private sealed class TinyTransformerBlock : Module<Tensor, Tensor>
    {
        public TinyTransformerBlock(Generator g)
        {
            Norm = RegisterModule("norm", new RmsNorm(16));
            Qkv = RegisterModule("qkv", new Linear(16, 48, bias: false, generator: g));
            Up = RegisterModule("up", new Linear(16, 32, generator: g));
            Down = RegisterModule("down", new Linear(32, 16, generator: g));
            Head = RegisterModule("head", new Linear(16, 10, generator: g));
        }

        public RmsNorm Norm { get; }

        public Linear Qkv { get; }

        public Linear Up { get; }

        public Linear Down { get; }

        public Linear Head { get; }

        public override Tensor Forward(Tensor x)
        {
            var h = Norm.Forward(x);
            var qkv = Qkv.Forward(h).View(x.Size(0), x.Size(1), 3, 2, 8).Permute(2, 0, 3, 1, 4);
            var a = F.ScaledDotProductAttention(qkv[0], qkv[1], qkv[2], isCausal: true).Transpose(1, 2).Reshape(x.Size(0), x.Size(1), 16);
            var y = x + a;
            y = y + Down.Forward(Up.Forward(y).Silu());
            return Head.Forward(y);
        }
    }

    [Fact]
    public void Live_tensor_count_returns_to_baseline_after_many_training_steps_in_scopes()
    {
        using var g = new Generator(5);
        using var model = new TinyTransformerBlock(g);
        using var opt = new AdamW(model.Parameters(), learningRate: 1e-3);
        using var x = Tensors.RandN([4, 6, 16], generator: g);
        using var y = Tensors.RandInt(0, 10, [4, 6], generator: g);

        void TrainStep()
        {
            using var scope = TorchScope.NewDisposeScope();
            var logits = model.Forward(x);
            var loss = F.CrossEntropy(logits.View(-1, 10), y.View(-1));
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), 1.0);
            opt.Step();
            opt.ZeroGrad();
            _ = loss.Item<float>();
            _ = model.Parameters().First().Grad;
        }

        TrainStep(); // creates the optimiser state
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = Tensors.LiveTensorCount;
        double firstLoss;
        using (TorchScope.NewDisposeScope())
        {
            firstLoss = F.CrossEntropy(model.Forward(x).View(-1, 10), y.View(-1)).Item<double>();
        }

        for (var i = 0; i < 200; i++)
        {
            TrainStep();
        }

        Tensors.LiveTensorCount.ShouldBe(baseline);
        using (TorchScope.NewDisposeScope())
        {
            F.CrossEntropy(model.Forward(x).View(-1, 10), y.View(-1)).Item<double>().ShouldBeLessThan(firstLoss, "training should lower the loss");
        }

        Tensors.LiveTensorCount.ShouldBe(baseline);
    }

    [Fact]
    public void Disposing_a_module_and_optimizer_releases_their_handles()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Tensors.LiveTensorCount;
        using (var g = new Generator(1))
        {
            var model = new Linear(4, 3, generator: g);
            var opt = new AdamW(model.Parameters());
            using (TorchScope.NewDisposeScope())
            {
                using var input = Tensors.Ones([2, 4]);
                model.Forward(input).Sum().Backward();
                opt.Step();
            }

            Tensors.LiveTensorCount.ShouldBe(before + 2 + 4);
            opt.Dispose();
            model.Dispose();
        }

        Tensors.LiveTensorCount.ShouldBe(before);
    }
}
