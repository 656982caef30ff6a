using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Torch.Serialization;

namespace PostTrain.Torch.Tests;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block(Generator g)
        {
            Layers = [RegisterModule("0", new Linear(4, 8, generator: g)), RegisterModule("1", new Linear(8, 2, bias: false, generator: g))];
            Norm = RegisterModule("norm", new LayerNorm(2));
            Scale = RegisterParameter("scale", new Parameter(Tensors.Ones([1])));
            RegisterBuffer("positions", Tensors.Arange(3));
        }

        public Linear[] Layers { get; }

        public LayerNorm Norm { get; }

        public Parameter Scale { get; }

        public override Tensor Forward(Tensor x) => Norm.Forward(Layers[1].Forward(Layers[0].Forward(x).Relu())) * Scale;
    }

    [Fact]
    public void Named_parameters_use_dotted_paths_and_the_state_dict_adds_buffers()
    {
        using var g = new Generator(1);
        using var m = new Block(g);
        m.NamedParameters().Select(p => p.Name).ShouldBe(["scale", "0.weight", "0.bias", "1.weight", "norm.weight", "norm.bias"]);
        m.ParameterCount().ShouldBe(1 + 32 + 8 + 16 + 2 + 2);
        m.StateDict().Keys.Order(StringComparer.Ordinal).ShouldBe(["0.bias", "0.weight", "1.weight", "norm.bias", "norm.weight", "positions", "scale"]);
        m.Eval().Training.ShouldBeFalse();
        m.Layers[0].Training.ShouldBeFalse();
    }

    [Fact]
    public void Module_list_names_children_by_index()
    {
        using var g = new Generator(2);
        using var list = new ModuleList<Linear>(Enumerable.Range(0, 2).Select(_ => new Linear(2, 2, bias: false, generator: g)));
        list.Count.ShouldBe(2);
        list[1].Weight.Shape.ShouldBe([2L, 2L]);
        list.NamedParameters().Select(p => p.Name).ShouldBe(["0.weight", "1.weight"]);
    }

    [Fact]
    public void State_dict_round_trips_through_safetensors_and_load_checks_names_and_shapes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pt-module-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var g1 = new Generator(1);
            using var g2 = new Generator(2);
            using var a = new Block(g1);
            using var b = new Block(g2);
            SafeTensors.Save(path, a.StateDict());
            using var scope = TorchScope.NewDisposeScope();
            var loaded = SafeTensors.Load(path);
            b.LoadStateDict(loaded);
            var x = Tensors.RandN([3, 4], generator: g1);
            b.Forward(x).ToArray<float>().ShouldBe(a.Forward(x).ToArray<float>());

            var missing = new Dictionary<string, Tensor>(loaded);
            missing.Remove("scale");
            Should.Throw<ArgumentException>(() => b.LoadStateDict(missing)).Message.ShouldContain("missing [scale]");
            b.LoadStateDict(missing, strict: false);
            var wrong = new Dictionary<string, Tensor>(loaded) { ["0.bias"] = Tensors.Zeros([7]) };
            Should.Throw<ArgumentException>(() => b.LoadStateDict(wrong)).Message.ShouldContain("'0.bias' has shape [7]");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Converting_dtype_keeps_parameter_identity_and_the_optimizer_keeps_working()
    {
        using var g = new Generator(4);
        using var layer = new Linear(3, 2, generator: g);
        var weight = layer.Weight;
        layer.To(ScalarType.Float64);
        layer.Weight.ShouldBeSameAs(weight);
        weight.DType.ShouldBe(ScalarType.Float64);
        weight.RequiresGrad.ShouldBeTrue();
        using var opt = new AdamW(layer.Parameters(), learningRate: 0.1);
        using var scope = TorchScope.NewDisposeScope();
        var before = weight.Detach().Clone();
        layer.Forward(Tensors.Ones([1, 3], ScalarType.Float64)).Sum().Backward();
        opt.Step();
        (weight - before).Abs().Sum().Item<double>().ShouldBeGreaterThan(0);
    }

    [Fact]
    public void AdamW_state_saves_and_loads_for_exact_resume()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pt-adamw-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var g = new Generator(9);
            using var a = new Linear(3, 2, generator: g);
            using var b = new Linear(3, 2, generator: g);
            b.LoadStateDict(a.StateDict());
            using var optA = new AdamW(a.Parameters(), learningRate: 0.05, weightDecay: 0.1);
            using var optB = new AdamW(b.Parameters(), learningRate: 0.05, weightDecay: 0.1);
            using var scope = TorchScope.NewDisposeScope();
            var x = Tensors.RandN([5, 3], generator: g);

            void Step(Linear m, AdamW o)
            {
                using var s = TorchScope.NewDisposeScope();
                o.ZeroGrad();
                m.Forward(x).Square().Mean().Backward();
                o.Step();
            }

            Step(a, optA);
            Step(a, optA);
            optA.Save(path);
            b.LoadStateDict(a.StateDict());
            optB.Load(path);
            optB.StepCount.ShouldBe(2);
            Step(a, optA);
            Step(b, optB);
            b.Weight.ToArray<float>().ShouldBe(a.Weight.ToArray<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Learning_rate_schedules_follow_the_hugging_face_formulas()
    {
        var constant = LearningRateSchedule.Constant(4);
        constant.Factor(0).ShouldBe(0);
        constant.Factor(2).ShouldBe(0.5);
        constant.Factor(100).ShouldBe(1);
        var linear = LearningRateSchedule.Linear(2, 10);
        linear.Factor(1).ShouldBe(0.5);
        linear.Factor(2).ShouldBe(1);
        linear.Factor(6).ShouldBe(0.5);
        linear.Factor(10).ShouldBe(0);
        linear.Factor(12).ShouldBe(0);
        var cosine = LearningRateSchedule.Cosine(2, 12);
        cosine.Factor(2).ShouldBe(1);
        cosine.Factor(7).ShouldBe(0.5, 1e-12);
        cosine.Factor(12).ShouldBe(0, 1e-12);
        LearningRateSchedule.Cosine(0, 10, minRatio: 0.1).Factor(10).ShouldBe(0.1, 1e-12);
        Should.Throw<ArgumentOutOfRangeException>(() => LearningRateSchedule.Linear(10, 5));

        using var p = new Parameter(Tensors.Zeros([1]));
        using var opt = new AdamW([p], learningRate: 1);
        var sched = new LearningRateScheduler(opt, LearningRateSchedule.Linear(2, 4), 0.2);
        opt.LearningRate.ShouldBe(0);
        sched.Step();
        opt.LearningRate.ShouldBe(0.1, 1e-15);
        sched.Step();
        opt.LearningRate.ShouldBe(0.2, 1e-15);
    }
}
