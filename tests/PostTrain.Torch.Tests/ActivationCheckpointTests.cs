using PostTrain.Torch.NN;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

[Collection(NativeCounterCollection.Name)] // reads the process-wide tensor count
public class ActivationCheckpointTests
{
    private sealed class Net : Module<Tensor, Tensor>
    {
        private readonly Linear[] _layers;

        public Net(ulong seed)
        {
            using var g = new Generator(seed);
            _layers = [.. Enumerable.Range(0, 3).Select(i => RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Linear(8, 8, generator: g)))];
        }

        public bool Checkpointing { get; set; }

        public double DropoutP { get; set; }

        public override Tensor Forward(Tensor input)
        {
            var h = input;
            foreach (var layer in _layers)
            {
                Tensor Segment(Tensor x) => F.Dropout(layer.Forward(x).Silu(), DropoutP, Training) + x;
                h = Checkpointing ? ActivationCheckpoint.Run(Segment, h) : Segment(h);
            }

            return h;
        }
    }

    private static Dictionary<string, float[]> Gradients(bool checkpointing, double dropout, bool autocast, bool inputRequiresGrad, out float[] inputGrad)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var net = new Net(3) { Checkpointing = checkpointing, DropoutP = dropout };
        using var g = new Generator(5);
        var x = Tensors.RandN([4, 8], generator: g);
        x.RequiresGrad = inputRequiresGrad;
        Tensors.ManualSeed(77);
        Tensor loss;
        using (autocast ? Tensors.Autocast(DeviceType.Cpu) : (IDisposable?)null)
        {
            loss = net.Forward(x).To(ScalarType.Float32).Pow(2).Mean();
        }

        loss.Backward();
        inputGrad = inputRequiresGrad ? x.Grad!.ToArray<float>() : [];
        return net.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray<float>());
    }

    [Theory]
    [InlineData(0.0, false, true)]
    [InlineData(0.3, false, true)]   // dropout: the recomputation repeats the forward pass's random numbers
    [InlineData(0.0, true, true)]    // bf16 autocast: the recomputation runs under it too
    [InlineData(0.0, false, false)]  // an input that needs no gradient (a frozen embedding): parameters still get theirs
    public void Gradients_equal_those_of_the_plain_forward_pass(double dropout, bool autocast, bool inputRequiresGrad)
    {
        var expected = Gradients(false, dropout, autocast, inputRequiresGrad, out var expectedInput);
        var actual = Gradients(true, dropout, autocast, inputRequiresGrad, out var actualInput);
        actual.Keys.ShouldBe(expected.Keys);
        foreach (var (name, want) in expected)
        {
            want.ShouldContain(v => v != 0f, name);
            for (var i = 0; i < want.Length; i++)
            {
                Math.Abs(actual[name][i] - want[i]).ShouldBeLessThan(1e-6f, $"{name}[{i}]");
            }
        }

        actualInput.Length.ShouldBe(expectedInput.Length);
        for (var i = 0; i < expectedInput.Length; i++)
        {
            Math.Abs(actualInput[i] - expectedInput[i]).ShouldBeLessThan(1e-6f);
        }
    }

    [Fact]
    public void The_forward_pass_keeps_no_activations_of_the_segment_and_nothing_leaks()
    {
        var before = Tensors.LiveTensorCount;
        for (var i = 0; i < 3; i++)
        {
            _ = Gradients(true, 0.1, false, true, out _);
        }

        Tensors.LiveTensorCount.ShouldBe(before);

        using var scope = TorchScope.NewDisposeScope();
        using var net = new Net(3) { Checkpointing = true };
        var x = Tensors.RandN([2, 8]).WithRequiresGrad();
        var y = net.Forward(x);
        y.RequiresGrad.ShouldBeTrue();
        using (Tensors.NoGrad())
        {
            net.Forward(x).RequiresGrad.ShouldBeFalse(); // without gradients it is a plain call
        }
    }

    [Fact]
    public void A_failing_segment_fails_backward_with_its_message()
    {
        using var scope = TorchScope.NewDisposeScope();
        var calls = 0;
        var w = Tensors.Ones([3]).WithRequiresGrad();
        var y = ActivationCheckpoint.Run(x => ++calls == 1 ? x * w : throw new InvalidOperationException("segment broke"), Tensors.Ones([3]));
        var e = Should.Throw<TorchException>(() => y.Sum().Backward());
        e.Message.ShouldContain("segment broke");
        calls.ShouldBe(2);
    }
}
