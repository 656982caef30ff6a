using System.CommandLine;
using System.Globalization;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Benchmarks;

/// <summary>
/// Greedy generation tokens/s of C#'s <see cref="TextGenerator"/> against an eager python3-torch Llama with a KV cache
/// (<c>bench/python/llama_bench.py</c>) running the same weights (written by C# as safetensors), same threads, same
/// prompts (left-padded), same number of new tokens (no EOS, so both sides do the same work), in alternating rounds.
/// Models: <c>builtin://tiny</c> on arithmetic prompts, and a ~110M-parameter Llama (hidden 768, 12 layers, 12 heads,
/// intermediate 2048, vocab 32,000, tied embeddings) on random prompts, each at batch 1 and batch 32.
/// usage: generation [--threads N] [--rounds N] [--tiny-new N] [--large-new N] [--large-prompt N] [--skip-large 1] [--python PATH]
/// </summary>
public sealed class GenerationBenchmark : IBenchmark
{
    public string Name => "generation";

    public string Description => "greedy generation tokens/s, C# TextGenerator vs python3-torch with a KV cache (tiny and ~110M Llama, batch 1 and 32)";

    private readonly Option<int> _threads = BenchOptions.Threads(Environment.ProcessorCount);
    private readonly Option<int> _rounds = BenchOptions.Rounds(3);
    private readonly Option<int> _tinyNew = BenchOptions.Int("--tiny-new", "New tokens per sequence on the tiny model.", 48);
    private readonly Option<int> _largeNew = BenchOptions.Int("--large-new", "New tokens per sequence on the ~110M model.", 16);
    private readonly Option<int> _largePrompt = BenchOptions.Int("--large-prompt", "Prompt tokens on the ~110M model.", 32);
    private readonly Option<int> _skipLarge = BenchOptions.Int("--skip-large", "1 skips the ~110M model.", 0);
    private readonly Option<string> _python = BenchOptions.Python();

    public void Configure(Command command)
    {
        foreach (var option in new Option[] { _threads, _rounds, _tinyNew, _largeNew, _largePrompt, _skipLarge, _python })
        {
            command.Options.Add(option);
        }
    }

    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var threads = parse.GetValue(_threads);
        var rounds = parse.GetValue(_rounds);
        var tinyNew = parse.GetValue(_tinyNew);
        var largeNew = parse.GetValue(_largeNew);
        var largePrompt = parse.GetValue(_largePrompt);
        var skipLarge = parse.GetValue(_skipLarge) != 0;
        var python = parse.GetRequiredValue(_python);
        Tensors.NumThreads = threads;
        Console.WriteLine($"libtorch {TorchRuntime.Version}, threads {Tensors.NumThreads} on both sides ({BlasThreads.Set(threads)}; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}), {Environment.ProcessorCount} cores, {rounds} rounds, load average {BenchPaths.LoadAverage()}");

        var identicalOk = true;
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var prompts = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Test, 32, seed: 1)
            .Select(e => (IReadOnlyList<int>)ChatTemplate.ChatMl.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(e)))
            .ToList();
        GenerationComparison.PrintHeader();
        using (var tiny = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1))
        {
            var results = await RunModelAsync(tiny, pad, python, threads, rounds, "tiny", [prompts[..1], prompts], tinyNew, cancellationToken);
            identicalOk &= results.All(r => r.IdenticalRows == r.Case.Prompts.Count);
        }

        if (!skipLarge)
        {
            var random = new Random(7);
            var config = Large();
            var randomPrompts = Enumerable.Range(0, 32).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, largePrompt).Select(_ => random.Next(config.VocabSize)).ToArray()).ToList();
            using var large = new CausalLanguageModel(config, seed: 1);
            await RunModelAsync(large, 0, python, threads, rounds, $"{large.ParameterCount() / 1e6:F0}M", [randomPrompts[..1], randomPrompts], largeNew, cancellationToken);
        }

        Console.WriteLine($"load average after: {BenchPaths.LoadAverage()}");
        if (!identicalOk)
        {
            Console.WriteLine("FAIL: the tiny model's greedy tokens differ between C# and Python");
            return 1;
        }

        return 0;
    }

    /// <summary>The ~110M-parameter Llama configuration of the benchmark.</summary>
    internal static ModelConfig Large() => new()
    {
        ModelType = "llama",
        VocabSize = 32_000,
        HiddenSize = 768,
        IntermediateSize = 2048,
        NumHiddenLayers = 12,
        NumAttentionHeads = 12,
        NumKeyValueHeads = 12,
        HeadDim = 64,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        MaxPositionEmbeddings = 2048,
        TieWordEmbeddings = true,
        TorchDtype = "float32",
    };

    private static async Task<List<GenerationComparisonResult>> RunModelAsync(CausalLanguageModel model, int pad, string python, int threads, int rounds, string name, IReadOnlyList<IReadOnlyList<int>>[] batches, int newTokens, CancellationToken ct)
    {
        var dir = BenchPaths.TempDirectory("posttrain-gen");
        try
        {
            HfCheckpoint.Save(model, dir);
            await using var worker = PythonLlamaWorker.Start(python, threads);
            var parameters = await worker.LoadAsync(dir, threads, ct);
            if (parameters != model.ParameterCount())
            {
                throw new InvalidOperationException($"python has {parameters} parameters, C# {model.ParameterCount()}");
            }

            var results = new List<GenerationComparisonResult>();
            foreach (var prompts in batches)
            {
                var label = string.Create(CultureInfo.InvariantCulture, $"{name}, batch {prompts.Count}, prompt {prompts.Min(p => p.Count)}-{prompts.Max(p => p.Count)}, {newTokens} new, greedy");
                var result = await GenerationComparison.CompareAsync(model, pad, null, worker, new GenerationCase(label, prompts, SamplingOptions.Greedy(newTokens)), rounds, ct);
                GenerationComparison.Print(result);
                results.Add(result);
            }

            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
