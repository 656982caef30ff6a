using System.Text.Json.Nodes;
using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using Xunit.Abstractions;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>
/// Sliding-window attention (Mistral's <c>sliding_window</c>, Qwen's <c>use_sliding_window</c>) in training, scoring and
/// KV-cache generation, against reference_llama.py, which masks the way Hugging Face does, within 1e-4 on 20–40 tokens.
/// </summary>
public sealed class SlidingWindowTests(ITestOutputHelper output) : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly TempDirectory _dir = new("posttrain-window-");

    private static readonly long[][] Rows =
    [
        [1, 5, 9, 33, 4, 17, 60, 2, 8, 12, 40, 3, 7, 21, 30, 50, 11, 6, 19, 25, 44, 13, 70, 9, 31, 2, 66, 18, 5, 27, 39, 61],
        [3, 3, 14, 15, 9, 26, 53, 58, 9, 7, 9, 3, 2, 38, 46, 26, 43, 38, 32, 7, 79, 50, 28, 8, 41, 69, 39, 37, 51, 0, 58, 20],
    ];

    [Theory]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    public void Training_forward_with_gradient_checkpointing_matches_the_reference_and_the_window_matters(string family)
    {
        using var model = Model(family, out var checkpoint);
        model.GradientCheckpointing = true;
        using var scope = TorchScope.NewDisposeScope();
        var logits = model.Forward(ModelFixtures.Ids(Rows));
        logits.Sum().Backward();
        model.NamedParameters().ShouldAllBe(p => p.Parameter.Grad != null);

        var expected = ReferenceLlama.Logits(checkpoint, Rows, _dir.Path)["logits"];
        var diff = ModelFixtures.MaxAbsDiff(logits, expected);
        var withoutWindow = ReferenceLlama.Logits(WithoutWindow(checkpoint), Rows, _dir.Path)["logits"];
        var windowEffect = ModelFixtures.MaxAbsDiff(expected, withoutWindow);
        output.WriteLine($"{family}: max |C# − reference| = {diff:E2}; the window moves the reference's logits by up to {windowEffect:F3}");
        diff.ShouldBeLessThan(Tolerance);
        windowEffect.ShouldBeGreaterThan(0.05f);
    }

    [Fact]
    public void Packed_documents_each_get_their_own_window()
    {
        using var model = Model("mistral", out var checkpoint);
        long[] first = Rows[0][..13], second = Rows[1][..19];
        using var scope = TorchScope.NewDisposeScope();
        long[] packed = [.. first, .. second];
        long[] document = [.. first.Select(_ => 0L), .. second.Select(_ => 1L)];
        long[] positions = [.. Enumerable.Range(0, first.Length).Select(i => (long)i), .. Enumerable.Range(0, second.Length).Select(i => (long)i)];
        var doc = TorchOps.FromArray(document, packed.Length);
        var index = TorchOps.Arange(packed.Length);
        var mask = (doc.Unsqueeze(1).Eq(doc.Unsqueeze(0)) & (index.Unsqueeze(0) <= index.Unsqueeze(1))).Unsqueeze(0).Unsqueeze(0);
        var logits = model.ForwardWithPositions(ModelFixtures.Ids([packed]), TorchOps.FromArray(positions, 1, packed.Length), mask);

        var expected = ReferenceLlama.Logits(checkpoint, [first, second], _dir.Path);
        var diffs = new[]
        {
            ModelFixtures.MaxAbsDiff(logits.Narrow(1, 0, first.Length), expected["row0"]),
            ModelFixtures.MaxAbsDiff(logits.Narrow(1, first.Length, second.Length), expected["row1"]),
        };
        output.WriteLine($"packed: max |C# − reference| = {diffs.Max():E2}");
        diffs.ShouldAllBe(d => d < Tolerance);
    }

    [Fact]
    public void Scoring_a_left_padded_batch_matches_the_reference_of_each_row()
    {
        using var model = Model("mistral", out var checkpoint);
        long[] shortRow = Rows[0][..21], longRow = [.. Rows[1], .. Rows[0][..5]]; // 21 and 37 tokens
        var pad = longRow.Length - shortRow.Length;
        long[] padded = [.. Enumerable.Repeat(0L, pad), .. shortRow];
        long[] attention = [.. Enumerable.Repeat(0L, pad), .. shortRow.Select(_ => 1L), .. longRow.Select(_ => 1L)];
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        var ids = ModelFixtures.Ids([padded, longRow]);
        var logits = model.Forward(ids, TorchOps.FromArray(attention, 2, longRow.Length));
        var scores = SequenceScorer.TokenLogProbs(model, ids, TorchOps.FromArray(attention, 2, longRow.Length));

        var expected = ReferenceLlama.Logits(checkpoint, [shortRow, longRow], _dir.Path);
        var logitDiff = Math.Max(
            ModelFixtures.MaxAbsDiff(logits.Narrow(0, 0, 1).Narrow(1, pad, shortRow.Length), expected["row0"]),
            ModelFixtures.MaxAbsDiff(logits.Narrow(0, 1, 1), expected["row1"]));
        var referenceScores = ReferenceScores(expected["row1"], longRow);
        var scoreDiff = ModelFixtures.MaxAbsDiff(scores.Narrow(0, 1, 1).Squeeze(0), referenceScores);
        output.WriteLine($"scoring: max |C# − reference| = {logitDiff:E2} (logits), {scoreDiff:E2} (token log-probabilities)");
        logitDiff.ShouldBeLessThan(Tolerance);
        scoreDiff.ShouldBeLessThan(Tolerance);
    }

    [Fact]
    public void Kv_cache_generation_past_the_window_scores_its_tokens_as_the_reference_does()
    {
        using var model = Model("mistral", out var checkpoint);
        int[][] prompts = [[.. Rows[0][..6].Select(i => (int)i)], [.. Rows[1][..11].Select(i => (int)i)]];
        var results = new TextGenerator(model, padTokenId: 0).Generate(prompts, SamplingOptions.Greedy(24));

        var sequences = prompts.Select((p, b) => (long[])[.. p.Select(i => (long)i), .. results[b].Tokens.Select(i => (long)i)]).ToList();
        var expected = ReferenceLlama.Logits(checkpoint, sequences, _dir.Path);
        var worst = 0f;
        for (var b = 0; b < prompts.Length; b++)
        {
            results[b].Tokens.Length.ShouldBe(24);
            using var scope = TorchScope.NewDisposeScope();
            var reference = ReferenceScores(expected[$"row{b}"], sequences[b]).ToArray<float>()[(prompts[b].Length - 1)..];
            for (var t = 0; t < results[b].Tokens.Length; t++)
            {
                worst = Math.Max(worst, Math.Abs(reference[t] - results[b].LogProbs[t]));
            }
        }

        output.WriteLine($"generation: max |C# − reference| = {worst:E2} over 2 × 24 generated tokens");
        worst.ShouldBeLessThan(Tolerance);
    }

    /// <summary>log p(ids[t+1] | ..t) from reference logits [1, len, vocab]: [len − 1].</summary>
    private static Tensor ReferenceScores(Tensor logits, long[] ids)
    {
        var targets = TorchOps.FromArray(ids[1..], ids.Length - 1, 1);
        return logits.Squeeze(0).Narrow(0, 0, ids.Length - 1).LogSoftmax(-1).Gather(-1, targets).Squeeze(-1);
    }

    private CausalLanguageModel Model(string family, out string checkpoint)
    {
        var model = new CausalLanguageModel(family == "mistral" ? ModelFixtures.Mistral : ModelFixtures.Qwen2Windowed, seed: 31);
        ModelFixtures.Perturb(model, 32, 0.3);
        checkpoint = Path.Combine(_dir.Path, family);
        HfCheckpoint.Save(model, checkpoint);
        return model;
    }

    /// <summary>A copy of the checkpoint whose config has no sliding window, for the reference's full attention.</summary>
    private string WithoutWindow(string checkpoint)
    {
        var copy = checkpoint + "-full";
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(checkpoint))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "config.json")))!.AsObject();
        config.Remove("sliding_window");
        config.Remove("use_sliding_window");
        File.WriteAllText(Path.Combine(copy, "config.json"), config.ToJsonString());
        return copy;
    }

    public void Dispose() => _dir.Dispose();
}
