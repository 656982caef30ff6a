using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Benchmarks;

/// <summary>
/// SFT tokens/s of C#'s <see cref="SftTrainer"/> step loop against a python3-torch loop over the same model (weights
/// written by C#), the same batches (built-in arithmetic SFT examples encoded by the C# tokenizer and chat template, in
/// the trainer's own data order, written to a JSON file Python reads), the same right-padding, token-mean cross-entropy,
/// AdamW, clipping and threads; sides alternate rounds. Tokens/s = real (non-padding) tokens per step / median step
/// time (the first two steps of each round are warm-up); CPU ms/step (process CPU time) is also reported because it
/// moves less than wall time on a shared machine. Both sides' losses are compared step by step. Each model runs in fp32
/// and in bf16 (training.precision: autocast over float32 weights on both sides), so the table also gives bf16's step
/// time against fp32's on the CPU.
/// usage: sft [--threads N] [--rounds N] [--steps N] [--mid-steps N] [--batch N] [--models tiny,mid] [--precision fp32,bf16] [--python PATH]
/// </summary>
public sealed class SftBenchmark : IBenchmark
{
    private const int WarmUpSteps = 2;

    public string Name => "sft";

    public string Description => "SFT tokens/s, C# SftTrainer vs a python3-torch loop on the same model and batches (tiny and a 6-layer width-256 Llama)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var threads = BenchPaths.Int(args, "--threads", Environment.ProcessorCount);
        var rounds = BenchPaths.Int(args, "--rounds", 3);
        var steps = BenchPaths.Int(args, "--steps", 12);
        var midSteps = BenchPaths.Int(args, "--mid-steps", 5);
        var batch = BenchPaths.Int(args, "--batch", 32);
        var python = BenchPaths.Text(args, "--python", "/usr/bin/python3");
        var models = BenchPaths.Text(args, "--models", "tiny,mid").Split(',');
        var precisions = BenchPaths.Text(args, "--precision", "fp32,bf16").Split(',');
        Tensors.NumThreads = threads;
        Console.WriteLine($"libtorch {TorchRuntime.Version}, threads {Tensors.NumThreads} on both sides ({BlasThreads.Set(threads)}; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}), {Environment.ProcessorCount} cores, {rounds} rounds of {steps} steps (mid: {midSteps}; median of steps after the first {WarmUpSteps}), load average {BenchPaths.LoadAverage()}");

        var tokenizer = BuiltinTokenizers.Arithmetic;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var encoder = new SftEncoder(tokenizer, ChatTemplate.ChatMl, 128);
        var train = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, 400, seed: 1).Select(encoder.Encode).ToList();
        var options = new SftOptions
        {
            MaxSteps = steps,
            BatchSize = batch,
            MicroBatchSize = batch,
            LearningRate = 1e-3,
            Schedule = LrSchedule.Constant,
            WeightDecay = 0.01,
            Beta2 = 0.999,
            MaxGradNorm = 1.0,
            MaxSequenceLength = 128,
            Seed = 1,
            Resume = false,
        };
        var tiny = BuiltinModels.Tiny(tokenizer);
        var mid = tiny with { HiddenSize = 256, IntermediateSize = 768, NumHiddenLayers = 6, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 64 };

        Console.WriteLine("| model | precision | batch × mean tokens | C# ms/step | Python ms/step | C# tokens/s | Python tokens/s | C# / Python (tokens/s) | CPU ms/step C# / Python | max |Δloss| |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var failures = new List<string>();
        var csMilliseconds = new Dictionary<(string Model, string Precision), double>();
        foreach (var (name, config, n) in new[] { ("tiny", tiny, steps), ("mid", mid, midSteps) }.Where(m => models.Contains(m.Item1)))
        {
            foreach (var precision in precisions)
            {
                var bf16 = precision == "bf16";
                var (difference, csMs) = await CompareAsync(name, config, train, options with { MaxSteps = n }, bf16, pad, python, threads, rounds, cancellationToken);
                csMilliseconds[(name, precision)] = csMs;
                // fp32: the same arithmetic on both sides. bf16: both round matrix products to bf16, in kernels that differ.
                if (difference > (bf16 ? 5e-2 : 1e-3))
                {
                    failures.Add($"{name} {precision}: C# and Python losses differ by {difference:E2}");
                }
            }
        }

        foreach (var name in models.Where(m => csMilliseconds.ContainsKey((m, "fp32")) && csMilliseconds.ContainsKey((m, "bf16"))))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: C# bf16 step time / fp32 step time on this CPU = {csMilliseconds[(name, "bf16")] / csMilliseconds[(name, "fp32")]:F2}"));
        }

        Console.WriteLine($"load average after: {BenchPaths.LoadAverage()}");
        foreach (var failure in failures)
        {
            Console.WriteLine($"FAIL: {failure}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    private static async Task<(double MaxLossDifference, double CsMilliseconds)> CompareAsync(string name, ModelConfig config, List<TokenizedSequence> train, SftOptions options, bool bf16, int pad, string python, int threads, int rounds, CancellationToken ct)
    {
        var root = BenchPaths.TempDirectory("posttrain-sft");
        try
        {
            var weights = Path.Combine(root, "initial");
            long parameters;
            using (var initial = new CausalLanguageModel(config, seed: 1))
            {
                HfCheckpoint.Save(initial, weights);
                parameters = initial.ParameterCount();
            }

            var order = new EpochOrder(train.Count, options.Seed);
            var batches = Enumerable.Range(0, (int)options.MaxSteps)
                .Select(s => Enumerable.Range(0, options.BatchSize).Select(j => train[order.At(((long)s * options.BatchSize) + j)]).ToList())
                .ToList();
            var data = Path.Combine(root, "batches.json");
            await File.WriteAllTextAsync(data, JsonSerializer.Serialize(new { steps = batches.Select(b => b.Select(q => new { ids = q.InputIds, labels = q.Labels })) }), ct);
            var tokensPerStep = batches.Average(b => b.Sum(q => q.Length));

            await using var worker = PythonLlamaWorker.Start(python, threads);
            var csSeconds = new List<double>();
            var pySeconds = new List<double>();
            var csCpu = new List<double>();
            var pyCpu = new List<double>();
            var maxDifference = 0.0;

            // A short unmeasured run first: C#'s tiered JIT compiles the step's hot paths on background threads, whose
            // CPU time would otherwise land in the first round's process CPU figures.
            var warmUp = options with { MaxSteps = WarmUpSteps + 1 };
            _ = RunCSharp(weights, Path.Combine(root, "warm-up"), train, warmUp, bf16, pad, ct);
            _ = await RunPythonAsync(worker, weights, data, warmUp, bf16, pad, ct);
            for (var r = 0; r < rounds; r++)
            {
                var cs = RunCSharp(weights, Path.Combine(root, $"run-{r}"), train, options, bf16, pad, ct);
                var py = await RunPythonAsync(worker, weights, data, options, bf16, pad, ct);
                csSeconds.AddRange(cs.StepSeconds.Skip(WarmUpSteps));
                pySeconds.AddRange(py.StepSeconds.Skip(WarmUpSteps));
                csCpu.AddRange(cs.CpuSeconds.Skip(WarmUpSteps));
                pyCpu.AddRange(py.CpuSeconds.Skip(WarmUpSteps));
                var (csLosses, pyLosses) = (cs.Losses, py.Losses);
                maxDifference = Math.Max(maxDifference, csLosses.Zip(pyLosses, (a, b) => Math.Abs(a - b)).Max());
            }

            var csMs = BenchPaths.Median(csSeconds) * 1000;
            var pyMs = BenchPaths.Median(pySeconds) * 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} ({parameters / 1e6:F2}M: {config.NumHiddenLayers} layers, width {config.HiddenSize}) | {(bf16 ? "bf16" : "fp32")} | {options.BatchSize} × {tokensPerStep / options.BatchSize:F0} | {csMs:F1} | {pyMs:F1} | {tokensPerStep / csMs * 1000:F0} | {tokensPerStep / pyMs * 1000:F0} | {pyMs / csMs:F2} | {BenchPaths.Median(csCpu) * 1000:F0} / {BenchPaths.Median(pyCpu) * 1000:F0} | {maxDifference:E1} |"));
            return (maxDifference, csMs);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static StepTimes RunCSharp(string weights, string output, List<TokenizedSequence> train, SftOptions options, bool bf16, int pad, CancellationToken ct)
    {
        using var model = HfCheckpoint.Load(weights);
        var observer = new StepRecorder();
        var trainer = new SftTrainer(model, options, pad, observer: observer, compute: ComputeOptions.Cpu with { MixedPrecision = bf16 ? ScalarType.BFloat16 : null });
        trainer.Train(train, [], new CheckpointManager(output, keep: 1), cancellationToken: ct);
        return new StepTimes(observer.StepSeconds, observer.CpuSeconds, observer.Losses);
    }

    private static async Task<StepTimes> RunPythonAsync(PythonLlamaWorker worker, string weights, string data, SftOptions options, bool bf16, int pad, CancellationToken ct)
    {
        var reply = await worker.SendAsync(
            new JsonObject
            {
                ["cmd"] = "sft",
                ["dir"] = weights,
                ["data"] = data,
                ["lr"] = options.LearningRate,
                ["beta2"] = options.Beta2,
                ["weight_decay"] = options.WeightDecay,
                ["max_grad_norm"] = options.MaxGradNorm,
                ["pad"] = pad,
                ["max_steps"] = options.MaxSteps,
                ["bf16"] = bf16,
            },
            ct);
        List<double> Read(string name) => [.. reply.GetProperty(name).EnumerateArray().Select(x => x.GetDouble())];
        return new StepTimes(Read("step_seconds"), Read("step_cpu_seconds"), Read("losses"));
    }

    private sealed record StepTimes(List<double> StepSeconds, List<double> CpuSeconds, List<double> Losses);

    /// <summary>Keeps each step's wall time and loss as the trainer reports them, and the process CPU time between steps.</summary>
    private sealed class StepRecorder : ITrainingObserver
    {
        private TimeSpan _lastCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

        public List<double> StepSeconds { get; } = [];

        public List<double> CpuSeconds { get; } = [];

        public List<double> Losses { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            StepSeconds.Add(metrics["step_seconds"]);
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            CpuSeconds.Add((cpu - _lastCpu).TotalSeconds);
            _lastCpu = cpu;
            Losses.Add(metrics["loss"]);
        }

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message)
        {
        }
    }
}
