using PostTrain.Torch;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Tests.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Generation;

public class GenerationTests
{
    private static readonly int[][] Prompts = [[5, 9, 33], [14, 15, 9, 26, 53, 58]];

    private static string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(i => (char)('a' + (i % 26))));

    private static CausalLanguageModel Model()
    {
        var model = new CausalLanguageModel(ModelFixtures.Llama3, seed: 21);
        ModelFixtures.Perturb(model, 22, 0.2);
        return model;
    }

    [Fact]
    public void Batched_left_padded_greedy_generation_equals_argmax_of_uncached_full_forward_passes()
    {
        using var model = Model();
        var results = new TextGenerator(model, padTokenId: 0).Generate(Prompts, SamplingOptions.Greedy(6));

        for (var b = 0; b < Prompts.Length; b++)
        {
            var sequence = Prompts[b].Select(i => (long)i).ToList();
            for (var step = 0; step < 6; step++)
            {
                using var scope = TorchScope.NewDisposeScope();
                using var noGrad = TorchOps.NoGrad();
                var logits = model.Forward(ModelFixtures.Ids([[.. sequence]]));
                sequence.Add(logits[0].Select(0, sequence.Count - 1).ArgMax().Item<long>());
            }

            results[b].Tokens.ShouldBe(sequence.Skip(Prompts[b].Length).Select(i => (int)i).ToArray(), $"row {b}");
            results[b].Reason.ShouldBe(FinishReason.Length);
        }
    }

    [Fact]
    public void Generated_log_probs_equal_teacher_forced_scores_of_the_same_tokens()
    {
        using var model = Model();
        var options = new SamplingOptions { Temperature = 0.7, MaxNewTokens = 5, Seed = 3 };
        var result = new TextGenerator(model, 0).Generate([Prompts[1]], options)[0];

        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        long[] full = [.. Prompts[1].Select(i => (long)i), .. result.Tokens.Select(i => (long)i)];
        var scores = SequenceScorer.TokenLogProbs(model, ModelFixtures.Ids([full]), temperature: 0.7).ToArray<float>();
        var generatedScores = scores[(Prompts[1].Length - 1)..];
        for (var i = 0; i < result.Tokens.Length; i++)
        {
            generatedScores[i].ShouldBe(result.LogProbs[i], 1e-4f);
        }
    }

    [Fact]
    public void A_rollout_of_repeated_prompts_with_rows_ending_at_eos_scores_like_full_forward_passes_and_repeats_exactly()
    {
        // The RLVR shape in small: each prompt repeated (one prefill per distinct prompt), top-k sampling (draws among
        // the k largest logits), EOS ids that end rows at different steps (finished rows leave the decoding batch).
        using var model = Model();
        int[][] prompts = [Prompts[0], Prompts[1], Prompts[0], Prompts[1], Prompts[0], Prompts[1], Prompts[0], Prompts[1]];
        var options = new SamplingOptions { Temperature = 0.9, TopK = 8, MaxNewTokens = 10, Seed = 11, EosTokenIds = [3, 17, 40, 61, 88] };
        var generator = new TextGenerator(model, padTokenId: 0);
        var results = generator.Generate(prompts, options);

        results.Count(r => r.Reason == FinishReason.Eos).ShouldBeGreaterThan(1);
        results.Select(r => r.Tokens.Length).Distinct().Count().ShouldBeGreaterThan(2, "rows end at different steps");
        for (var b = 0; b < prompts.Length; b++)
        {
            using var scope = TorchScope.NewDisposeScope();
            using var noGrad = TorchOps.NoGrad();
            long[] full = [.. prompts[b].Select(i => (long)i), .. results[b].Tokens.Select(i => (long)i)];
            var scores = SequenceScorer.TokenLogProbs(model, ModelFixtures.Ids([full]), temperature: 0.9).ToArray<float>()[(prompts[b].Length - 1)..];
            for (var i = 0; i < results[b].Tokens.Length; i++)
            {
                results[b].LogProbs[i].ShouldBe(scores[i], 1e-4f, $"row {b}, token {i}");
            }
        }

        // The same seed gives the same tokens and the same log-probability bits, run after run.
        var again = generator.Generate(prompts, options);
        again.Select(r => r.Tokens).ShouldBe(results.Select(r => r.Tokens));
        again.Select(r => r.LogProbs).ShouldBe(results.Select(r => r.LogProbs));

        // Greedy with the EOS ids is greedy without them, cut at the first EOS id.
        var greedy = generator.Generate(prompts, SamplingOptions.Greedy(10));
        var cut = generator.Generate(prompts, SamplingOptions.Greedy(10, options.EosTokenIds));
        for (var b = 0; b < prompts.Length; b++)
        {
            var first = Array.FindIndex(greedy[b].Tokens, t => options.EosTokenIds.Contains(t));
            cut[b].Tokens.ShouldBe(first < 0 ? greedy[b].Tokens : greedy[b].Tokens[..(first + 1)], $"row {b}");
        }
    }

    [Fact]
    public void Sampling_is_reproducible_for_a_seed_and_top_k_1_is_greedy()
    {
        using var model = Model();
        var generator = new TextGenerator(model, 0);
        var a = generator.Generate(Prompts, new SamplingOptions { Temperature = 1.5, MaxNewTokens = 12, Seed = 42 });
        var b = generator.Generate(Prompts, new SamplingOptions { Temperature = 1.5, MaxNewTokens = 12, Seed = 42 });
        var c = generator.Generate(Prompts, new SamplingOptions { Temperature = 1.5, MaxNewTokens = 12, Seed = 43 });
        a.Select(r => r.Tokens).ShouldBe(b.Select(r => r.Tokens));
        a.SelectMany(r => r.Tokens).ShouldNotBe(c.SelectMany(r => r.Tokens));

        var greedy = generator.Generate(Prompts, SamplingOptions.Greedy(8));
        var topOne = generator.Generate(Prompts, new SamplingOptions { Temperature = 1, TopK = 1, MaxNewTokens = 8, Seed = 5 });
        topOne.Select(r => r.Tokens).ShouldBe(greedy.Select(r => r.Tokens));
    }

    [Fact]
    public void Eos_ends_a_row_keeping_the_eos_token_and_stop_strings_cut_the_text()
    {
        using var model = Model();
        var greedy = new TextGenerator(model, 0, Decode).Generate([Prompts[0]], SamplingOptions.Greedy(8))[0];
        greedy.Tokens.Length.ShouldBe(8);

        // Declare the third greedy token an EOS: generation stops right there and keeps it.
        var eos = greedy.Tokens[2];
        var cut = new TextGenerator(model, 0, Decode).Generate([Prompts[0]], SamplingOptions.Greedy(8, [eos]))[0];
        var firstEos = Array.IndexOf(greedy.Tokens, eos);
        cut.Tokens.ShouldBe(greedy.Tokens[..(firstEos + 1)]);
        cut.Reason.ShouldBe(FinishReason.Eos);
        cut.Text.ShouldBe(Decode(greedy.Tokens[..firstEos]));

        var fullText = Decode(greedy.Tokens);
        var stop = fullText.Substring(3, 2);
        var stopped = new TextGenerator(model, 0, Decode).Generate([Prompts[0]], SamplingOptions.Greedy(8) with { StopStrings = [stop] })[0];
        stopped.Reason.ShouldBe(FinishReason.Stop);
        stopped.Text.ShouldBe(fullText[..fullText.IndexOf(stop, StringComparison.Ordinal)]);
    }

    [Theory]
    [InlineData(0.7, new[] { true, true, false, false })]
    [InlineData(0.8, new[] { true, true, false, false })] // 0.5 + 0.3 reaches 0.8: the third token is outside
    [InlineData(0.81, new[] { true, true, true, false })]
    [InlineData(0.1, new[] { true, false, false, false })] // the most likely token always stays
    public void Top_p_keeps_the_smallest_prefix_reaching_p(double topP, bool[] kept)
    {
        using var scope = TorchScope.NewDisposeScope();
        var logits = TorchOps.FromArray(new[] { 0.15f, 0.5f, 0.05f, 0.3f }, 1, 4).Log();
        var order = new[] { 1, 3, 0, 2 }; // by probability
        var filtered = TokenSampler.Filter(logits, 0, topP).ToArray<float>();
        for (var i = 0; i < 4; i++)
        {
            float.IsNegativeInfinity(filtered[order[i]]).ShouldBe(!kept[i], $"rank {i}");
        }
    }

    [Fact]
    public void Top_k_keeps_the_k_largest_logits()
    {
        using var scope = TorchScope.NewDisposeScope();
        var filtered = TokenSampler.Filter(TorchOps.FromArray(new[] { 1f, 4f, 3f, 2f }, 1, 4), 2, 1).ToArray<float>();
        filtered.Select(float.IsNegativeInfinity).ShouldBe([true, false, false, true]);
    }

    [Fact]
    public void A_tiny_model_overfits_one_sentence_then_generates_it_greedily()
    {
        var config = ModelFixtures.Llama3 with { NumHiddenLayers = 1 };
        using var model = new CausalLanguageModel(config, seed: 1);
        long[] sentence = [1, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 2];
        using var optimizer = new AdamW(model.Parameters(), learningRate: 1e-2, weightDecay: 0);
        float loss = float.NaN;
        for (var step = 0; step < 60; step++)
        {
            using var scope = TorchScope.NewDisposeScope();
            var ids = ModelFixtures.Ids([sentence]);
            var logits = model.Forward(ids.Narrow(1, 0, sentence.Length - 1));
            var l = Functional.CrossEntropy(logits.View(-1, config.VocabSize), ids.Narrow(1, 1, sentence.Length - 1).View(-1));
            l.Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
            loss = l.Item<float>();
        }

        loss.ShouldBeLessThan(0.05f);
        var generated = new TextGenerator(model, 0).Generate([[1]], SamplingOptions.Greedy(20, [2]))[0];
        generated.Tokens.ShouldBe(sentence[1..].Select(i => (int)i).ToArray());
        generated.Reason.ShouldBe(FinishReason.Eos);
    }
}
