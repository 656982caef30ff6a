using System.Globalization;
using System.Text.Json;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>What one rank does in the two-process tests; it prints one "RESULT {json}" line.</summary>
internal static class DistributedWorker
{
    public const int BatchSize = 8;

    public static int Run(string scenario)
    {
        using var pg = ProcessGroup.FromEnvironment(Backend.Gloo, TimeSpan.FromSeconds(60));
        var result = scenario switch
        {
            "collectives" => Collectives(pg),
            "dp-step" => DataParallelStep(pg),
            _ => throw new ArgumentException($"unknown scenario {scenario}"),
        };
        pg.Barrier();
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>The model both the two ranks and the single-process reference train.</summary>
    public static Mlp MakeModel() => new(new Generator(21));

    public static (Tensor X, Tensor Y) MakeBatch()
    {
        using var g = new Generator(22);
        return (Tensors.RandN([BatchSize, 6], generator: g), Tensors.RandInt(0, 3, [BatchSize], generator: g));
    }

    /// <summary>One AdamW step on a batch; with a process group the gradients are averaged across ranks first.</summary>
    public static double Step(Mlp model, AdamW opt, Tensor x, Tensor y, ProcessGroup? pg)
    {
        using var scope = TorchScope.NewDisposeScope();
        var loss = F.CrossEntropy(model.Forward(x), y);
        loss.Backward();
        pg?.AllReduceGradients(model.Parameters());

        GradientClipping.ClipGradNorm(model.Parameters(), 100.0);
        opt.Step();
        opt.ZeroGrad();
        return loss.Item<double>();
    }

    public static Dictionary<string, float[]> Flatten(Module m) =>
        m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray<float>());

    private static Dictionary<string, float[]> Collectives(ProcessGroup pg)
    {
        using var scope = TorchScope.NewDisposeScope();
        var r = pg.Rank + 1f;
        var sum = Tensors.FromArray(new[] { r, 10 * r, -r });
        pg.AllReduce(sum, ReduceOp.Sum);
        var avg = Tensors.FromArray(new[] { r, 2 * r });
        pg.AllReduce(avg, ReduceOp.Average);
        var max = Tensors.FromArray(new[] { r, -r });
        pg.AllReduce(max, ReduceOp.Max);
        var bcast = Tensors.FromArray(new[] { r * 100, r });
        pg.Broadcast(bcast, root: 1);
        var gathered = pg.AllGather(Tensors.FromArray(new[] { r, -r, 7 * r }, 3));
        var bytes = pg.AllGatherBytes(Enumerable.Repeat((byte)(pg.Rank + 65), (pg.Rank * 3) + 1).ToArray(), Device.Cpu);
        return new Dictionary<string, float[]>
        {
            ["gather_shape"] = [.. gathered.Shape.Select(d => (float)d)],
            ["gather"] = gathered.ToArray<float>(),
            ["bytes"] = [.. bytes.SelectMany(b => b.Select(x => (float)x).Append(-1f))],
            ["rank"] = [pg.Rank],
            ["sum"] = sum.ToArray<float>(),
            ["avg"] = avg.ToArray<float>(),
            ["max"] = max.ToArray<float>(),
            ["broadcast"] = bcast.ToArray<float>(),
        };
    }

    private static Dictionary<string, float[]> DataParallelStep(ProcessGroup pg)
    {
        using var model = MakeModel();

        // Rank 1 starts from different weights; broadcasting from rank 0 must make them equal.
        if (pg.Rank == 1)
        {
            using var noGrad = Tensors.NoGrad();
            foreach (var p in model.Parameters())
            {
                p.FillInPlace(0.5);
            }
        }

        pg.BroadcastParameters(model);
        using var opt = new AdamW(model.Parameters(), learningRate: 0.05, weightDecay: 0.1);
        var (x, y) = MakeBatch();
        using (x)
        using (y)
        {
            var per = BatchSize / pg.WorldSize;
            using var scope = TorchScope.NewDisposeScope();
            var xs = x.Narrow(0, pg.Rank * per, per);
            var ys = y.Narrow(0, pg.Rank * per, per);
            var loss = Step(model, opt, xs, ys, pg);
            var result = Flatten(model);
            result["loss"] = [(float)loss];
            return result;
        }
    }

    internal sealed class Mlp : Module<Tensor, Tensor>
    {
        private readonly Linear a;
        private readonly Linear b;

        public Mlp(Generator g)
        {
            using (g)
            {
                a = RegisterModule("a", new Linear(6, 16, generator: g));
                b = RegisterModule("b", new Linear(16, 3, generator: g));
            }
        }

        public override Tensor Forward(Tensor input) => b.Forward(a.Forward(input).Gelu());
    }
}
