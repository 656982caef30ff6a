using System.Text.Json;
using PostTrain.Torch;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Eval;

/// <summary>
/// Measures a model: greedy answers judged by a verifier (accuracy), and sampled answers for unbiased pass@k. With
/// several ranks (<see cref="Ranks"/>) the problems are shared out by batch (rank r takes batches r, r + WORLD_SIZE, ...),
/// so every batch is the one a single process would generate, and the items are gathered on every rank: the outcome
/// equals the one-process outcome.
/// </summary>
public sealed class ModelEvaluator(CausalLanguageModel model, ITokenizer tokenizer, ChatTemplate template, IRewardFunction judge, int padTokenId, IReadOnlyList<int> eosTokenIds)
{
    /// <summary>The ranks sharing the work; a group of one by default.</summary>
    public DataParallelGroup Ranks { get; init; } = new(null, Device.Cpu);

    /// <summary>Precision of generation (the model's device is where it runs); float32 by default.</summary>
    public ComputeOptions Compute { get; init; } = ComputeOptions.Cpu;

    /// <summary>
    /// Evaluates <paramref name="examples"/>. With several ranks every rank must call it with the same examples; a
    /// cancellation on any rank cancels it on all (after their current batch).
    /// </summary>
    public async Task<EvalOutcome> EvaluateAsync(IReadOnlyList<Example> examples, EvalOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(options);
        if (options.K.Any(k => k <= 0 || k > options.Samples))
        {
            throw new ArgumentException($"every k must be in 1..samples ({options.Samples}); got {string.Join(", ", options.K)}", nameof(options));
        }

        var generator = new TextGenerator(model, padTokenId, ids => tokenizer.Decode([.. ids], skipSpecialTokens: true));
        var batchSize = Math.Max(1, options.BatchSize);
        var batches = examples.Chunk(batchSize).ToList();
        var items = new List<EvalItem>(examples.Count);
        var cancelled = false;
        for (var b = Ranks.Rank; b < batches.Count; b += Ranks.WorldSize)
        {
            var chunk = batches[b];
            if (cancellationToken.IsCancellationRequested)
            {
                if (!Ranks.IsDistributed)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                cancelled = true; // with ranks: stop after telling them, at the gather below
                break;
            }

            var prompts = chunk.Select(e => (IReadOnlyList<int>)template.EncodeGenerationPrompt(tokenizer, RlvrTrainer.PromptMessages(e))).ToList();
            IReadOnlyList<GenerationResult> greedy;
            var sampled = new List<GenerationResult>();
            try
            {
                using var autocast = Compute.Autocast();
                greedy = generator.Generate(prompts, SamplingOptions.Greedy(options.MaxNewTokens, eosTokenIds), cancellationToken);
                if (options.Samples > 0)
                {
                    var repeated = prompts.SelectMany(p => Enumerable.Repeat(p, options.Samples)).ToList();
                    var sampling = new SamplingOptions { Temperature = options.Temperature, MaxNewTokens = options.MaxNewTokens, Seed = options.Seed + (ulong)(b * batchSize), EosTokenIds = eosTokenIds };
                    sampled.AddRange(generator.Generate(repeated, sampling, cancellationToken));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && Ranks.IsDistributed)
            {
                cancelled = true; // the other ranks learn it at the gather below
                break;
            }

            // The batch's greedy answers and samples are scored at once (the reward bounds its own concurrency).
            var inputs = new List<RewardInput>(chunk.Length * (1 + options.Samples));
            for (var i = 0; i < chunk.Length; i++)
            {
                inputs.Add(new RewardInput(chunk[i].PromptText, greedy[i].Text ?? string.Empty, chunk[i]));
                for (var s = 0; s < options.Samples; s++)
                {
                    inputs.Add(new RewardInput(chunk[i].PromptText, sampled[(i * options.Samples) + s].Text ?? string.Empty, chunk[i]));
                }
            }

            var scores = await RewardScoring.ScoreAllAsync(judge, inputs, cancellationToken).ConfigureAwait(false);
            bool Correct(int index) => scores[index].Score >= options.CorrectThreshold - 1e-9;
            for (var i = 0; i < chunk.Length; i++)
            {
                var first = i * (1 + options.Samples);
                var samplesCorrect = Enumerable.Range(first + 1, options.Samples).Count(Correct);
                items.Add(new EvalItem(chunk[i].Id, chunk[i].PromptText, greedy[i].Text ?? string.Empty, Correct(first), samplesCorrect));
            }
        }

        items = Gather(items, batches.Count, batchSize, cancelled);
        var accuracy = EvalMetrics.GreedyAccuracy(items.Select(i => i.GreedyCorrect));
        var passAtK = options.K.Distinct().Order().ToDictionary(k => k, k => EvalMetrics.MeanPassAtK(items.Select(i => (options.Samples, i.SamplesCorrect)), k));
        return new EvalOutcome(accuracy, passAtK, items);
    }

    /// <summary>Every rank's items in batch order (this rank's alone with one process); throws when any rank was cancelled.</summary>
    private List<EvalItem> Gather(List<EvalItem> mine, int batchCount, int batchSize, bool cancelled)
    {
        if (!Ranks.IsDistributed)
        {
            return mine;
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(new RankItems(cancelled, mine));
        var ranks = Ranks.AllGather(payload).Select(p => JsonSerializer.Deserialize<RankItems>(p)!).ToList();
        if (ranks.Any(r => r.Cancelled))
        {
            throw new RankPreemptedException("evaluation was cancelled on a rank of the job");
        }

        var all = new List<EvalItem>();
        for (var b = 0; b < batchCount; b++)
        {
            var r = ranks[b % Ranks.WorldSize].Items;
            var index = b / Ranks.WorldSize; // this batch's place among its rank's batches
            all.AddRange(r.Skip(index * batchSize).Take(batchSize));
        }

        return all;
    }

    private sealed record RankItems(bool Cancelled, List<EvalItem> Items);

}
