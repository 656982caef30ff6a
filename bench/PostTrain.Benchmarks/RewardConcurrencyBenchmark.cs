using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Benchmarks;

/// <summary>
/// The reward phase of one RLVR step with code rewards: 64 completions against their tests, 10% of them looping
/// forever, scored one after another (as RlvrTrainer did before issue 20) and all at once through
/// <see cref="RewardScoring"/> (bounded by <see cref="CodeRewardOptions.MaxConcurrency"/>), with the default sandbox
/// limits (a looping test is stopped after 3 s).
/// </summary>
public sealed class RewardConcurrencyBenchmark : IBenchmark
{
    public string Name => "reward-concurrency";

    public string Description => "an RLVR step's code-reward phase, 64 completions with 10% looping: one by one vs concurrent";

    public void Configure(Command command)
    {
    }

    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        if (PythonSandbox.FindPython() is null)
        {
            Console.Error.WriteLine("python3 is required");
            return 1;
        }

        const int Completions = 64;
        var looping = Completions / 10;
        var example = new Example { Id = "add", Prompt = "Write add(a, b).", Tests = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"] };
        var inputs = Enumerable.Range(0, Completions).Select(i => new RewardInput(example.Prompt!, i % (Completions / looping) == 0 && i / (Completions / looping) < looping
            ? "```python\ndef add(a, b):\n    while True:\n        pass\n```"
            : "```python\ndef add(a, b):\n    return a + b\n```", example)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Completions} completions, {inputs.Count(i => i.Completion.Contains("while", StringComparison.Ordinal))} looping, {Environment.ProcessorCount} cores"));

        var sequential = new CodeReward(new CodeRewardOptions());
        var clock = Stopwatch.StartNew();
        var oneByOne = new List<RewardResult>();
        foreach (var input in inputs)
        {
            oneByOne.Add(await sequential.ScoreAsync(input, cancellationToken));
        }

        var before = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one by one (before):               {before,6:F1} s, mean score {oneByOne.Average(r => r.Score):F3}"));

        foreach (var slots in new[] { Environment.ProcessorCount, 8, 16 }.Distinct())
        {
            var reward = new CodeReward(new CodeRewardOptions { MaxConcurrency = slots });
            clock.Restart();
            var all = await RewardScoring.ScoreAllAsync(reward, inputs, cancellationToken);
            var after = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"concurrent, maxConcurrency {slots,2} (after): {after,6:F1} s, mean score {all.Average(r => r.Score):F3}, {before / after:F1}x"));
            if (all.Select(r => r.Score).SequenceEqual(oneByOne.Select(r => r.Score)) is false)
            {
                Console.Error.WriteLine("scores differ between one-by-one and concurrent scoring");
                return 1;
            }
        }

        return 0;
    }
}
