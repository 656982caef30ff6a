using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Benchmarks;

/// <summary>
/// C#-only rollout and SFT tokens/s on <c>builtin://tiny</c> (issue 22), for A/B runs of two builds of this project:
/// the demo's RLVR rollout shape (8 <c>builtin://arithmetic</c> rl prompts × group 16, T 0.7, top-k 10, ≤ 48 new, EOS
/// ids as RLVR passes them) and the tiny SFT step loop (batch 32 of arithmetic sft examples, fp32). Each round prints
/// tokens/s and a fingerprint (SHA-256 of the sampled and greedy tokens and the bits of their log-probabilities, and
/// of the SFT losses), so two builds can be checked to compute the same thing while they are timed.
/// usage: throughput [--threads N] [--rounds N] [--steps N] [--only rollout|sft] [--dump FILE (round 0's rows: tokens | log-probs)]
/// [--model DIR (a trained checkpoint, demo prompts)]; throughput --train-model DIR [--train-steps N] writes one
/// </summary>
public sealed class ThroughputBenchmark : IBenchmark
{
    private const int WarmUpSteps = 2;

    public string Name => "throughput";

    public string Description => "C#-only rollout tokens/s (128 sampled sequences, ≤ 48 new) and SFT tokens/s on tiny, with output fingerprints for A/B runs";

    private readonly Option<int> _threads = BenchOptions.Threads(Environment.ProcessorCount);
    private readonly Option<int> _rounds = BenchOptions.Rounds(3);
    private readonly Option<int> _steps = BenchOptions.Int("--steps", "SFT steps per round.", 8);
    private readonly Option<string> _only = BenchOptions.Text("--only", "all, rollout or sft.", "PART", "all");
    private readonly Option<string?> _dump = new("--dump") { Description = "Write the rollout's completions to FILE, to compare A/B runs.", HelpName = "FILE" };
    private readonly Option<string?> _model = new("--model") { Description = "Roll out a checkpoint (e.g. one --train-model wrote) on the demo's prompts (operands <= 5, values <= 20) instead of the untrained tiny model; it emits EOS.", HelpName = "DIR" };
    private readonly Option<string?> _trainModel = new("--train-model") { Description = "Only train tiny with SFT as the demo does (its data and settings, --train-steps steps) and save it to DIR.", HelpName = "DIR" };
    private readonly Option<int> _trainSteps = BenchOptions.Int("--train-steps", "SFT steps for --train-model.", 300);

    public void Configure(Command command)
    {
        _only.AcceptOnlyFromAmong("all", "rollout", "sft");
        foreach (var option in new Option[] { _threads, _rounds, _steps, _only, _dump, _model, _trainModel, _trainSteps })
        {
            command.Options.Add(option);
        }
    }

    public Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var threads = parse.GetValue(_threads);
        var rounds = parse.GetValue(_rounds);
        var steps = parse.GetValue(_steps);
        var only = parse.GetRequiredValue(_only);
        Tensors.NumThreads = threads;
        Console.WriteLine($"libtorch {TorchRuntime.Version}, threads {Tensors.NumThreads} ({BlasThreads.Set(threads)}), {Environment.ProcessorCount} cores, {rounds} rounds, load average {BenchPaths.LoadAverage()}");
        if (parse.GetValue(_trainModel) is { } trainTo)
        {
            TrainDemoModel(trainTo, parse.GetValue(_trainSteps), cancellationToken);
            return Task.FromResult(0);
        }

        if (only is "all" or "rollout")
        {
            Rollout(rounds, parse.GetValue(_dump), parse.GetValue(_model), cancellationToken);
        }

        if (only is "all" or "sft")
        {
            Sft(rounds, steps, cancellationToken);
        }

        Console.WriteLine($"load average after: {BenchPaths.LoadAverage()}");
        return Task.FromResult(0);
    }

    /// <summary>The demo's arithmetic range (examples/local/arithmetic-pipeline.yaml).</summary>
    private static readonly ArithmeticOptions DemoArithmetic = new() { MaxOperand = 5, MaxValue = 20 };

    /// <summary>SFT of tiny as the demo's SftJob runs it (200 sft examples, batch 32, lr 3e-3 cosine, 10 warm-up steps), for <paramref name="steps"/> steps.</summary>
    private static void TrainDemoModel(string directory, int steps, CancellationToken ct)
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var encoder = new SftEncoder(tokenizer, ChatTemplate.ChatMl, 128);
        var train = ArithmeticDataset.GenerateExamples(DemoArithmetic, ArithmeticSplit.Sft, 200, seed: 1).Select(encoder.Encode).ToList();
        var options = new SftOptions
        {
            MaxSteps = steps,
            BatchSize = 32,
            MicroBatchSize = 32,
            LearningRate = 3e-3,
            Schedule = LrSchedule.Cosine,
            WarmupSteps = 10,
            MaxSequenceLength = 128,
            Seed = 1,
            Resume = false,
        };
        using var model = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1);
        var root = BenchPaths.TempDirectory("posttrain-throughput-train");
        try
        {
            var result = new SftTrainer(model, options, pad, compute: ComputeOptions.Cpu).Train(train, [], new CheckpointManager(root, keep: 1), cancellationToken: ct);
            HfCheckpoint.Save(model, directory);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained tiny for {steps} SFT steps (final loss {result.TrainLoss:F4}); saved to {directory}"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Rollout(int rounds, string? dump, string? checkpoint, CancellationToken ct)
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var template = ChatTemplate.ChatMl;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        using var model = checkpoint is null ? new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1) : HfCheckpoint.Load(checkpoint);
        var eos = model.Config.EosTokenIds.Append(template.EndOfTurnId(tokenizer)).Distinct().ToList();
        var prompts = ArithmeticDataset.GenerateExamples(checkpoint is null ? new ArithmeticOptions() : DemoArithmetic, ArithmeticSplit.Rl, 8, seed: 1)
            .Select(e => (IReadOnlyList<int>)template.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(e)))
            .SelectMany(p => Enumerable.Repeat(p, 16))
            .ToList();
        var sampled = new SamplingOptions { Temperature = 0.7, TopK = 10, MaxNewTokens = 48, Seed = 1, EosTokenIds = eos };
        var greedy = sampled with { Temperature = 0, TopK = 0 };
        var generator = new TextGenerator(model, pad, ids => tokenizer.Decode([.. ids], skipSpecialTokens: true));
        _ = generator.Generate(prompts.Take(16).ToList(), sampled with { MaxNewTokens = 4 }, ct); // JIT warm-up
        var rates = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var results = generator.Generate(prompts, sampled, ct);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            var tokens = results.Sum(x => x.Tokens.Length);
            rates.Add(tokens / seconds);
            var greedyResults = generator.Generate(prompts, greedy, ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ROLLOUT round {r}: {tokens} tokens in {seconds:F3} s = {tokens / seconds:F1} tokens/s, CPU {cpuSeconds:F3} s; sampled {Fingerprint(results)}, greedy {Fingerprint(greedyResults)}; load {BenchPaths.LoadAverage()}"));
            if (r == 0 && dump is not null)
            {
                File.WriteAllLines(dump, results.Concat(greedyResults).Select(x => string.Join(' ', x.Tokens) + " | " + string.Join(' ', x.LogProbs.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ROLLOUT median {BenchPaths.Median(rates):F1} tokens/s (min {rates.Min():F1}, max {rates.Max():F1})"));
    }

    private static void Sft(int rounds, int steps, CancellationToken ct)
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var encoder = new SftEncoder(tokenizer, ChatTemplate.ChatMl, 128);
        var train = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, 400, seed: 1).Select(encoder.Encode).ToList();
        var options = new SftOptions
        {
            MaxSteps = steps,
            BatchSize = 32,
            MicroBatchSize = 32,
            LearningRate = 1e-3,
            Schedule = LrSchedule.Constant,
            WeightDecay = 0.01,
            Beta2 = 0.999,
            MaxGradNorm = 1.0,
            MaxSequenceLength = 128,
            Seed = 1,
            Resume = false,
        };
        var order = new EpochOrder(train.Count, options.Seed);
        var tokensPerStep = Enumerable.Range(0, steps).Average(s => Enumerable.Range(0, options.BatchSize).Sum(j => train[order.At(((long)s * options.BatchSize) + j)].Length));
        var paddedPerStep = Enumerable.Range(0, steps).Average(s => options.BatchSize * Enumerable.Range(0, options.BatchSize).Max(j => train[order.At(((long)s * options.BatchSize) + j)].Length));
        var targetsPerStep = Enumerable.Range(0, steps).Average(s => Enumerable.Range(0, options.BatchSize).Sum(j => train[order.At(((long)s * options.BatchSize) + j)].TargetCount));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SFT batch {options.BatchSize}: {tokensPerStep:F0} real tokens per step ({paddedPerStep:F0} padded to the longest row, {targetsPerStep:F0} with a target)"));
        var root = BenchPaths.TempDirectory("posttrain-throughput");
        try
        {
            var rates = new List<double>();
            var cpuRates = new List<double>();
            for (var r = 0; r <= rounds; r++)
            {
                using var model = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1);
                var observer = new Recorder();
                var trainer = new SftTrainer(model, options with { MaxSteps = r == 0 ? WarmUpSteps + 1 : steps }, pad, observer: observer, compute: ComputeOptions.Cpu);
                trainer.Train(train, [], new CheckpointManager(Path.Combine(root, $"run-{r}"), keep: 1), cancellationToken: ct);
                if (r == 0)
                {
                    continue; // JIT warm-up
                }

                var median = BenchPaths.Median(observer.StepSeconds.Skip(WarmUpSteps));
                var cpuMedian = BenchPaths.Median(observer.CpuSeconds.Skip(WarmUpSteps));
                rates.Add(tokensPerStep / median);
                cpuRates.Add(tokensPerStep / cpuMedian);
                var losses = string.Join(",", observer.Losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SFT round {r}: {median * 1000:F1} ms/step, {tokensPerStep / median:F0} tokens/s, CPU {cpuMedian * 1000:F1} ms/step ({tokensPerStep / cpuMedian:F0} tokens per CPU-second); losses {Hash(System.Text.Encoding.UTF8.GetBytes(losses))}; load {BenchPaths.LoadAverage()}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SFT median {BenchPaths.Median(rates):F0} tokens/s (min {rates.Min():F0}, max {rates.Max():F0}); {BenchPaths.Median(cpuRates):F0} tokens per CPU-second"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>SHA-256s (first 12 hex digits) of every row's tokens, and of the bits of their log-probabilities.</summary>
    private static string Fingerprint(IReadOnlyList<GenerationResult> results) =>
        $"tokens {Hash([.. results.SelectMany(r => r.Tokens.Prepend(-1)).SelectMany(BitConverter.GetBytes)])} log-probs {Hash(LogProbBytes(results))}";

    private static byte[] LogProbBytes(IReadOnlyList<GenerationResult> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var row in results)
            {
                writer.Write(row.Tokens.Length);
                foreach (var p in row.LogProbs)
                {
                    writer.Write(p);
                }
            }
        }

        return stream.ToArray();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..12];

    /// <summary>Keeps each step's wall time and loss as the trainer reports them, and the process CPU time between steps.</summary>
    private sealed class Recorder : ITrainingObserver
    {
        private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;

        public List<double> StepSeconds { get; } = [];

        public List<double> CpuSeconds { get; } = [];

        public List<double> Losses { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            StepSeconds.Add(metrics["step_seconds"]);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
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
