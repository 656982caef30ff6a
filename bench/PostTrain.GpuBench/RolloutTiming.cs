using System.Diagnostics;
using PostTrain.Torch;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Training;

namespace PostTrain.GpuBench;

/// <summary>What one rollout timing measured.</summary>
/// <param name="TokensPerSecond">Generated tokens per second over the whole batch.</param>
/// <param name="Seconds">Seconds of the timed generation.</param>
/// <param name="Tokens">Tokens generated.</param>
public sealed record RolloutTiming(double TokensPerSecond, double Seconds, long Tokens);

/// <summary>Rollouts as RLVR samples them: a batch of prompts, prefilled once, decoded with the KV cache at temperature 1.</summary>
public static class RolloutTimingRun
{
    /// <summary>Generates <paramref name="newTokens"/> tokens for each of <paramref name="batch"/> random prompts.</summary>
    public static RolloutTiming Run(ModelShape shape, ComputeOptions compute, int batch, int promptLength, int newTokens)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(compute);
        var random = new Random(2);
        IReadOnlyList<IReadOnlyList<int>> prompts = [.. Enumerable.Range(0, batch).Select(_ => (IReadOnlyList<int>)[.. Enumerable.Range(0, promptLength).Select(_ => random.Next(shape.Config.VocabSize))])];
        using var model = new CausalLanguageModel(shape.Config, seed: 1);
        model.To(compute.Device);
        var generator = new TextGenerator(model, padTokenId: 0);
        var sampling = new SamplingOptions { Temperature = 1.0, MaxNewTokens = newTokens, Seed = 3 }; // no EOS: every row runs to the budget
        using var autocast = compute.Autocast();
        _ = generator.Generate([.. prompts.Take(2)], sampling with { MaxNewTokens = 4 }); // warm-up
        var clock = Stopwatch.StartNew();
        var results = generator.Generate(prompts, sampling);
        var seconds = clock.Elapsed.TotalSeconds;
        var tokens = results.Sum(r => (long)r.Tokens.Length);
        return new RolloutTiming(tokens / seconds, seconds, tokens);
    }
}
