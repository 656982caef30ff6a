using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Benchmarks;

/// <summary>
/// PostTrain.Torch against python3-torch on the same machine, threads and shapes: per-call overhead of a
/// tiny op, and training steps of a small MLP and a 2-layer transformer (AdamW, clipping, cross entropy).
/// Sides alternate for several rounds; per-call figures are best-of, step figures medians. Each process also
/// times the op in a C++ loop inside the shim (python loads it with ctypes; both link the same libtorch),
/// interleaved with its own loop, so the binding overhead is the difference measured under the same load.
/// usage: torch [--threads N] [--calls N] [--steps N] [--rounds N] [--python PATH]
/// </summary>
public sealed class TorchBenchmark : IBenchmark
{
    public string Name => "torch";

    public string Description => "PostTrain.Torch vs python3-torch: per-call overhead and MLP/transformer training steps";

    private readonly Option<int> _threads = BenchOptions.Threads(1);
    private readonly Option<int> _calls = BenchOptions.Int("--calls", "Calls per per-call measurement.", 100_000);
    private readonly Option<int> _steps = BenchOptions.Int("--steps", "Training steps per round.", 30);
    private readonly Option<int> _rounds = BenchOptions.Rounds(2);
    private readonly Option<string> _python = BenchOptions.Python();

    public void Configure(Command command)
    {
        foreach (var option in new Option[] { _threads, _calls, _steps, _rounds, _python })
        {
            command.Options.Add(option);
        }
    }

    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var threads = parse.GetValue(_threads);
        var calls = parse.GetValue(_calls);
        var steps = parse.GetValue(_steps);
        var rounds = parse.GetValue(_rounds);
        var python = parse.GetRequiredValue(_python);
        var script = Path.Combine(FindRepoRoot(), "bench", "python", "torch_bench.py");

        Tensors.NumThreads = threads;
        Console.WriteLine($"libtorch {TorchRuntime.Version}, threads {threads}, {Environment.ProcessorCount} cores, {calls} calls, {steps} steps, {rounds} rounds");
        var cs = new List<Result>();
        var py = new List<Result>();
        for (var r = 0; r < rounds; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            cs.Add(MeasureCSharp(calls, steps));
            py.Add(await MeasurePythonAsync(python, script, threads, calls, steps, cancellationToken));
        }

        var c = Combine(cs);
        var p = Combine(py);
        Console.WriteLine();
        Console.WriteLine("| measure | C# PostTrain.Torch | python3-torch | C# / Python |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Row("per-call `t.dim()` (binding only, no kernel), ns", c.DimNs, p.DimNs, "F0");
        Row("per-call `add(a, b)` (1 element, new tensor), ns", c.AddNs, p.AddNs, "F0");
        Row("  same op in a C++ loop in that process, ns", c.NativeAddNs, p.NativeAddNs, "F0");
        Row("  binding overhead (difference), ns", c.AddNs - c.NativeAddNs, p.AddNs - p.NativeAddNs, "F0");
        Row("per-call `a.add_(b)` (1 element, in place), ns", c.AddInPlaceNs, p.AddInPlaceNs, "F0");
        Row("  same op in a C++ loop in that process, ns", c.NativeAddInPlaceNs, p.NativeAddInPlaceNs, "F0");
        Row("  binding overhead (difference), ns", c.AddInPlaceNs - c.NativeAddInPlaceNs, p.AddInPlaceNs - p.NativeAddInPlaceNs, "F0");
        Row("MLP training step (32x128 → 256 → 256 → 10), ms", c.MlpStepMs, p.MlpStepMs, "F2");
        Row("2-layer transformer step (B4 T32 d64 V512), ms", c.TransformerStepMs, p.TransformerStepMs, "F2");
        return 0;
    }

    private static void Row(string name, double cs, double py, string format) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {cs.ToString(format, CultureInfo.InvariantCulture)} | {py.ToString(format, CultureInfo.InvariantCulture)} | {cs / py:F2} |"));

    private static Result Combine(List<Result> rs) => new(
        rs.Min(r => r.DimNs),
        rs.Min(r => r.AddNs),
        rs.Min(r => r.AddInPlaceNs),
        Median(rs.Select(r => r.MlpStepMs)),
        Median(rs.Select(r => r.TransformerStepMs)),
        rs.Min(r => r.NativeAddNs),
        rs.Min(r => r.NativeAddInPlaceNs));

    private static string ShimPath() => Path.Combine(AppContext.BaseDirectory, "libposttrain_torch.so");

    private static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static Result MeasureCSharp(int calls, int steps)
    {
        using var a = Tensors.Ones([1]);
        using var b = Tensors.Ones([1]);
        var (add, nativeAdd) = WithFloor(
            () =>
            {
                using var r = a + b;
            },
            0,
            a,
            b,
            calls);
        var (addInPlace, nativeAddInPlace) = WithFloor(() => a.AddInPlace(b), 1, a, b, calls);
        var dim = PerCallNs(() => _ = a.Dim, calls);

        using var g = new Generator(0);
        using var mlp = new Mlp(g);
        using var mx = Tensors.RandN([32, 128], generator: g);
        using var my = Tensors.RandInt(0, 10, [32], generator: g);
        var mlpMs = StepMs(mlp, () => F.CrossEntropy(mlp.Forward(mx), my), steps);

        const int V = 512, D = 64, H = 4, L = 2, B = 4, T = 32;
        using var tf = new Transformer(V, D, H, L, g);
        using var ids = Tensors.RandInt(0, V, [B, T], generator: g);
        using var labels = Tensors.RandInt(0, V, [B, T], generator: g);
        var tfMs = StepMs(tf, () => F.CrossEntropy(tf.Forward(ids).View(-1, V), labels.View(-1)), steps);
        return new Result(dim, add, addInPlace, mlpMs, tfMs, nativeAdd, nativeAddInPlace);
    }

    private static double PerCallNs(Action op, int n)
    {
        for (var i = 0; i < Math.Min(n, 10_000); i++)
        {
            op();
        }

        var best = double.MaxValue;
        for (var rep = 0; rep < 3; rep++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                op();
            }

            best = Math.Min(best, sw.Elapsed.TotalNanoseconds / n);
        }

        return best;
    }

    /// <summary>Best-of per-call time of <paramref name="op"/> and of the same op in the shim's C++ loop, measured alternately.</summary>
    private static (double PerCall, double Floor) WithFloor(Action op, int nativeOp, Tensor a, Tensor b, int n)
    {
        for (var i = 0; i < Math.Min(n, 10_000); i++)
        {
            op();
        }

        double best = double.MaxValue, floor = double.MaxValue;
        for (var rep = 0; rep < 7; rep++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                op();
            }

            best = Math.Min(best, sw.Elapsed.TotalNanoseconds / n);
            floor = Math.Min(floor, TorchRuntime.NativeLoopNanoseconds(nativeOp, a, b, n));
        }

        return (best, floor);
    }

    private static double StepMs(Module model, Func<Tensor> makeLoss, int n)
    {
        var parameters = model.Parameters().ToList();
        using var opt = new AdamW(parameters, learningRate: 1e-3, weightDecay: 0.1);

        void Step()
        {
            using var scope = TorchScope.NewDisposeScope();
            var loss = makeLoss();
            loss.Backward();
            GradientClipping.ClipGradNorm(parameters, 1.0);
            opt.Step();
            opt.ZeroGrad();
            _ = loss.Item<float>();
        }

        for (var i = 0; i < 5; i++)
        {
            Step();
        }

        var times = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            Step();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        return Median(times);
    }

    private static async Task<Result> MeasurePythonAsync(string python, string script, int threads, int calls, int steps, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, threads.ToString(CultureInfo.InvariantCulture), calls.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture), ShimPath() })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {python}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{python} {script} failed ({p.ExitCode}): {await stderr}");
        }

        using var doc = JsonDocument.Parse(await stdout);
        var r = doc.RootElement;
        return new Result(r.GetProperty("dim_ns").GetDouble(), r.GetProperty("add_ns").GetDouble(), r.GetProperty("add_inplace_ns").GetDouble(), r.GetProperty("mlp_step_ms").GetDouble(), r.GetProperty("transformer_step_ms").GetDouble(), r.GetProperty("native_add_ns").GetDouble(), r.GetProperty("native_add_inplace_ns").GetDouble());
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private sealed record Result(double DimNs, double AddNs, double AddInPlaceNs, double MlpStepMs, double TransformerStepMs, double NativeAddNs, double NativeAddInPlaceNs);

    private sealed class Mlp : Module<Tensor, Tensor>
    {
        private readonly Linear l1, l2, l3;

        public Mlp(Generator g)
        {
            l1 = RegisterModule("0", new Linear(128, 256, generator: g));
            l2 = RegisterModule("2", new Linear(256, 256, generator: g));
            l3 = RegisterModule("4", new Linear(256, 10, generator: g));
        }

        public override Tensor Forward(Tensor x) => l3.Forward(l2.Forward(l1.Forward(x).Gelu()).Gelu());
    }

    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly int heads;
        private readonly RmsNorm n1, n2;
        private readonly Linear qkv, o, gate, up, down;

        public Block(int d, int heads, Generator g)
        {
            this.heads = heads;
            n1 = RegisterModule("n1", new RmsNorm(d));
            n2 = RegisterModule("n2", new RmsNorm(d));
            qkv = RegisterModule("qkv", new Linear(d, 3 * d, bias: false, generator: g));
            o = RegisterModule("o", new Linear(d, d, bias: false, generator: g));
            gate = RegisterModule("gate", new Linear(d, 4 * d, bias: false, generator: g));
            up = RegisterModule("up", new Linear(d, 4 * d, bias: false, generator: g));
            down = RegisterModule("down", new Linear(4 * d, d, bias: false, generator: g));
        }

        public override Tensor Forward(Tensor x)
        {
            var shape = x.Shape;
            long b = shape[0], t = shape[1], d = shape[2];
            var p = qkv.Forward(n1.Forward(x)).View(b, t, 3, heads, d / heads).Permute(2, 0, 3, 1, 4);
            var att = F.ScaledDotProductAttention(p[0], p[1], p[2], isCausal: true);
            x = x + o.Forward(att.Transpose(1, 2).Reshape(b, t, d));
            var h = n2.Forward(x);
            return x + down.Forward(gate.Forward(h).Silu() * up.Forward(h));
        }
    }

    private sealed class Transformer : Module<Tensor, Tensor>
    {
        private readonly Embedding embed;
        private readonly Block[] blocks;
        private readonly RmsNorm norm;
        private readonly Linear head;

        public Transformer(int vocab, int d, int heads, int layers, Generator g)
        {
            embed = RegisterModule("embed", new Embedding(vocab, d, generator: g));
            blocks = Enumerable.Range(0, layers).Select(i => RegisterModule(i.ToString(CultureInfo.InvariantCulture), new Block(d, heads, g))).ToArray();
            norm = RegisterModule("norm", new RmsNorm(d));
            head = RegisterModule("head", new Linear(d, vocab, bias: false, generator: g));
        }

        public override Tensor Forward(Tensor ids)
        {
            var x = embed.Forward(ids);
            foreach (var b in blocks)
            {
                x = b.Forward(x);
            }

            return head.Forward(norm.Forward(x));
        }
    }
}
