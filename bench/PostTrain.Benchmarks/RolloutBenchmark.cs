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
/// Rollout tokens/s in the demo's RLVR shape: groupSize × promptsPerStep sequences (16 × 8 = 128) of left-padded
/// <c>builtin://arithmetic</c> prompts on <c>builtin://tiny</c>, sampled at temperature 0.7 with top-k 10, at most 48
/// new tokens, EOS ids as the RLVR trainer passes them, per-token log-probabilities returned; C#'s
/// <see cref="TextGenerator"/> (with the tokenizer's decoder, as RlvrTrainer uses it) against the same loop in
/// python3-torch on the same weights, alternating rounds.
/// usage: rollout [--threads N] [--rounds N] [--group N] [--prompts N] [--new N] [--python PATH]
/// </summary>
public sealed class RolloutBenchmark : IBenchmark
{
    public string Name => "rollout";

    public string Description => "RLVR rollout tokens/s (16 x 8 sampled sequences, T 0.7, top-k 10, 48 new), C# TextGenerator vs python3-torch";

    private readonly Option<int> _threads = BenchOptions.Threads(Environment.ProcessorCount);
    private readonly Option<int> _rounds = BenchOptions.Rounds(3);
    private readonly Option<int> _group = BenchOptions.Int("--group", "Completions sampled per prompt.", 16);
    private readonly Option<int> _prompts = BenchOptions.Int("--prompts", "Prompts per step.", 8);
    private readonly Option<int> _new = BenchOptions.Int("--new", "New tokens per completion at most.", 48);
    private readonly Option<string> _python = BenchOptions.Python();

    public void Configure(Command command)
    {
        foreach (var option in new Option[] { _threads, _rounds, _group, _prompts, _new, _python })
        {
            command.Options.Add(option);
        }
    }

    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var threads = parse.GetValue(_threads);
        var rounds = parse.GetValue(_rounds);
        var group = parse.GetValue(_group);
        var promptsPerStep = parse.GetValue(_prompts);
        var newTokens = parse.GetValue(_new);
        var python = parse.GetRequiredValue(_python);
        Tensors.NumThreads = threads;
        Console.WriteLine($"libtorch {TorchRuntime.Version}, threads {Tensors.NumThreads} on both sides ({BlasThreads.Set(threads)}; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}), {Environment.ProcessorCount} cores, {rounds} rounds, load average {BenchPaths.LoadAverage()}");

        var tokenizer = BuiltinTokenizers.Arithmetic;
        var template = ChatTemplate.ChatMl;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        using var model = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1);
        var eos = model.Config.EosTokenIds.Append(template.EndOfTurnId(tokenizer)).Distinct().ToList();
        var prompts = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Rl, promptsPerStep, seed: 1)
            .Select(e => (IReadOnlyList<int>)template.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(e)))
            .SelectMany(p => Enumerable.Repeat(p, group))
            .ToList();
        var options = new SamplingOptions { Temperature = 0.7, TopK = 10, MaxNewTokens = newTokens, Seed = 1, EosTokenIds = eos };
        var label = string.Create(CultureInfo.InvariantCulture, $"tiny, {group} x {promptsPerStep} = {prompts.Count} sequences, prompt {prompts.Min(p => p.Count)}-{prompts.Max(p => p.Count)}, T 0.7, top-k 10, ≤ {newTokens} new");

        var dir = BenchPaths.TempDirectory("posttrain-rollout");
        try
        {
            HfCheckpoint.Save(model, dir);
            await using var worker = PythonLlamaWorker.Start(python, threads);
            _ = await worker.LoadAsync(dir, threads, cancellationToken);
            GenerationComparison.PrintHeader();
            var result = await GenerationComparison.CompareAsync(model, pad, ids => tokenizer.Decode([.. ids], skipSpecialTokens: true), worker, new GenerationCase(label, prompts, options), rounds, cancellationToken);
            GenerationComparison.Print(result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Console.WriteLine($"load average after: {BenchPaths.LoadAverage()} (both sides seed libtorch's CPU generator alike, so sampled rows can match)");
        return 0;
    }
}
