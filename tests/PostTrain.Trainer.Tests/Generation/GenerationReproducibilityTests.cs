using System.Security.Cryptography;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Tests.Generation;

/// <summary>
/// Pins the tokens generation yields for a fixed model, prompts and seed to those the build before issue 22's
/// throughput work yielded (recorded from that build's <c>throughput</c> benchmark, the demo's rollout shape), so a
/// speed-up that changes what is sampled fails here.
/// </summary>
public class GenerationReproducibilityTests
{
    // The first sequence of each prompt's group of 16, as the earlier build sampled them (T 0.7, top-k 10, seed 1).
    private static readonly int[][] SampledFirstOfGroup =
    [
        [740, 491, 440, 1327, 1327, 740, 95, 1032, 27, 1607, 1032, 1327, 421, 491, 421, 1217, 1032, 1032, 580, 580, 424, 1032, 947, 1032, 1327, 424, 424, 491, 1032, 424, 1594, 1252, 873, 1456, 873, 873, 1241, 1032, 1032, 491, 203, 1241, 1241, 1241, 198, 1456, 1657, 1594],
        [1214, 491, 22, 1252, 1252, 22, 22, 999, 22, 740, 740, 22, 999, 22, 387, 635, 740, 1594, 1594, 1594, 424, 1252, 635, 491, 621, 621, 621, 27, 884, 1594, 1032, 170, 947, 1496, 817, 817, 1496, 1078, 170, 1032, 1032, 1032, 947, 517, 517, 740, 1594, 170],
        [842, 575, 947, 517, 740, 551, 551, 740, 740, 1032, 621, 491, 491, 575, 740, 1032, 1032, 740, 621, 421, 421, 1032, 1032, 1636, 740, 379, 893, 1636, 1636, 1122, 1032, 491, 379, 5, 1636, 873, 740, 1327, 1636, 1636, 1636, 873, 551, 1496, 819, 1496, 1496, 621],
        [1330, 70, 1327, 1327, 491, 127, 1156, 1156, 491, 127, 491, 127, 575, 1136, 1330, 1330, 575, 1654, 893, 1327, 491, 440, 662, 491, 1327, 1327, 740, 1327, 371, 371, 371, 371, 1327, 1136, 321, 635, 662, 662, 491, 491, 491, 575, 635, 1327, 1032, 491, 491, 80],
        [1032, 1241, 1241, 586, 364, 491, 893, 1327, 1607, 1327, 1327, 882, 379, 873, 1032, 1032, 1032, 586, 1327, 819, 819, 1496, 1594, 1327, 1327, 1594, 873, 1456, 1456, 621, 27, 316, 586, 38, 586, 586, 873, 873, 873, 491, 491, 491, 27, 1032, 1594, 621, 80, 518],
        [740, 1217, 740, 1456, 491, 1122, 1335, 1032, 424, 491, 440, 1122, 1122, 1122, 835, 379, 491, 491, 167, 621, 1241, 740, 95, 424, 424, 316, 491, 379, 610, 790, 790, 621, 409, 316, 1163, 22, 740, 740, 409, 740, 95, 1335, 610, 823, 491, 542, 379, 379],
        [585, 956, 575, 518, 621, 621, 956, 926, 1032, 956, 621, 621, 518, 518, 80, 349, 491, 575, 575, 947, 1001, 956, 1032, 947, 947, 873, 873, 1421, 491, 80, 80, 80, 80, 987, 987, 159, 159, 956, 580, 580, 580, 179, 518, 203, 1487, 1487, 873, 580],
        [485, 491, 491, 349, 95, 491, 1654, 893, 1032, 349, 349, 621, 491, 491, 740, 740, 1156, 1032, 1032, 537, 912, 1654, 1654, 518, 518, 518, 491, 1032, 1362, 537, 537, 537, 575, 575, 575, 518, 947, 491, 947, 1654, 1654, 1362, 1362, 537, 537, 586, 1032, 491],
    ];

    private static (TextGenerator Generator, List<IReadOnlyList<int>> Prompts, SamplingOptions Sampled) Rollout(CausalLanguageModel model)
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var template = ChatTemplate.ChatMl;
        var pad = tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id ?? 0;
        var eos = model.Config.EosTokenIds.Append(template.EndOfTurnId(tokenizer)).Distinct().ToList();
        var prompts = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Rl, 8, seed: 1)
            .Select(e => (IReadOnlyList<int>)template.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(e)))
            .SelectMany(p => Enumerable.Repeat(p, 16))
            .ToList();
        var sampled = new SamplingOptions { Temperature = 0.7, TopK = 10, MaxNewTokens = 48, Seed = 1, EosTokenIds = eos };
        return (new TextGenerator(model, pad, ids => tokenizer.Decode([.. ids], skipSpecialTokens: true)), prompts, sampled);
    }

    private static string Hash(IEnumerable<GenerationResult> rows) =>
        Convert.ToHexString(SHA256.HashData([.. rows.SelectMany(r => r.Tokens.Prepend(-1)).SelectMany(BitConverter.GetBytes)]));

    [Fact]
    public void Sampled_rollouts_of_the_tiny_model_repeat_the_earlier_builds_tokens()
    {
        using var model = new CausalLanguageModel(BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic), seed: 1);
        var (generator, prompts, sampled) = Rollout(model);

        var results = generator.Generate(prompts, sampled);

        for (var p = 0; p < SampledFirstOfGroup.Length; p++)
        {
            results[p * 16].Tokens.ShouldBe(SampledFirstOfGroup[p], $"prompt {p}");
        }

        Hash(results).ShouldBe("2881673885373CEEC62342F7FDED5739D1C01248FAF50E944922B390434D2B21"); // all 128 rows
    }

    [Fact]
    public void Greedy_rollouts_of_the_tiny_model_repeat_the_earlier_builds_tokens()
    {
        using var model = new CausalLanguageModel(BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic), seed: 1);
        var (generator, prompts, sampled) = Rollout(model);

        var results = generator.Generate(prompts, sampled with { Temperature = 0, TopK = 0 });

        Hash(results).ShouldBe("E39D3496EEB0E8576C5ED9249213654341625A31AAB2935605B9B8E5454D98DA"); // all 128 rows
    }
}
