using BenchmarkDotNet.Attributes;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Benchmarks;

/// <summary>
/// The demo's data and reward hot paths: generating 10,000 builtin arithmetic RL problems, and scoring 10,000
/// completions with the math reward (strict, then flexible answer extraction).
/// </summary>
[MemoryDiagnoser]
public class ArithmeticRewardBenchmarks
{
    private readonly MathReward _reward = new(AnswerExtractionMode.StrictThenFlexible);
    private List<RewardInput> _inputs = [];

    /// <summary>Makes the completions to score, each ending in its problem's answer.</summary>
    [GlobalSetup]
    public void Setup() =>
        _inputs = [.. GenerateProblems().Select(e => new RewardInput(e.Prompt!, $"1 + 2 = 3\n3 + 4 = 7\n#### {e.ReferenceAnswer}", e))];

    /// <summary>Generates 10,000 problems of the builtin arithmetic dataset's RL split.</summary>
    [Benchmark]
    public IReadOnlyList<Example> GenerateProblems() => ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Rl, 10_000, seed: 2);

    /// <summary>Scores 10,000 completions with the math reward.</summary>
    [Benchmark]
    public async Task<double> ScoreMath()
    {
        var total = 0.0;
        foreach (var input in _inputs)
        {
            total += (await _reward.ScoreAsync(input, CancellationToken.None).ConfigureAwait(false)).Score;
        }

        return total;
    }
}
