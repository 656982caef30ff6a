using System.Diagnostics;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Eval;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Rl;

/// <summary>
/// Reinforcement learning with verifiable rewards, GRPO family: each step samples a group of responses per prompt,
/// scores them with the verifier, turns rewards into group-relative advantages, recomputes the rollouts' log-probabilities
/// under the current policy (and the frozen reference), then takes PPO-clip updates with an optional KL penalty and
/// entropy bonus. The policy, the reference and every batch live on <see cref="ComputeOptions.Device"/>.
/// With several ranks (<see cref="DataParallelGroup"/>) each rank rolls out its share of the step's prompts (whole
/// groups, so rewards and advantages stay per group), the update sums gradients over ranks, metrics are reduced, and
/// rank 0 alone writes checkpoints.
/// </summary>
public sealed class RlvrTrainer
{
    /// <summary>The metric (and the checkpointed series) of sampled response tokens per second of generation.</summary>
    public const string RolloutTokensPerSecond = "rollout_tokens_per_second";

    private readonly CausalLanguageModel _policy;
    private readonly CausalLanguageModel? _reference;
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly IRewardFunction _reward;
    private readonly RlvrOptions _options;
    private readonly int _padTokenId;
    private readonly IReadOnlyList<int> _eosTokenIds;
    private readonly ITrainingObserver _observer;
    private readonly ComputeOptions _compute;
    private readonly DataParallelGroup _ranks;

    /// <summary>
    /// Creates the trainer; <paramref name="reference"/> is required when the KL coefficient is above 0.
    /// <paramref name="compute"/> (default: float32 on the CPU) names the device, which must already hold the models;
    /// <paramref name="group"/> is null for a single process.
    /// </summary>
    public RlvrTrainer(CausalLanguageModel policy, CausalLanguageModel? reference, ITokenizer tokenizer, ChatTemplate template, IRewardFunction reward, RlvrOptions options, int padTokenId, IReadOnlyList<int> eosTokenIds, ITrainingObserver? observer = null, ComputeOptions? compute = null, ProcessGroup? group = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.KlCoefficient > 0 && reference is null)
        {
            throw new ArgumentException("a KL coefficient above 0 needs a reference model", nameof(reference));
        }

        _compute = compute ?? ComputeOptions.Cpu;
        foreach (var model in new[] { policy, reference }.OfType<CausalLanguageModel>())
        {
            if (model.OutputWeight.Device != _compute.Device)
            {
                throw new ArgumentException($"a model is on {model.OutputWeight.Device} but training runs on {_compute.Device}; move it first", nameof(policy));
            }
        }

        _ranks = new DataParallelGroup(group, _compute.Device);
        if (options.PromptsPerStep % _ranks.WorldSize != 0)
        {
            throw new ArgumentException($"promptsPerStep ({options.PromptsPerStep}) must be a multiple of the {_ranks.WorldSize} ranks: each rank rolls out whole groups of an equal share of the prompts");
        }

        _policy = policy;
        _reference = reference;
        _tokenizer = tokenizer;
        _template = template;
        _reward = reward;
        _options = options;
        _padTokenId = padTokenId;
        _eosTokenIds = eosTokenIds;
        _observer = observer ?? NullTrainingObserver.Instance;
    }

    /// <summary>
    /// Trains on <paramref name="prompts"/> (their reference answers feed the verifier). Cancellation stops between steps
    /// after saving a checkpoint. With <see cref="RlvrOptions.EvalEverySteps"/> above 0, <paramref name="validation"/>
    /// prompts (never trained on) are decoded greedily before the first step, every that many steps and at the end, and
    /// scored by the same verifier (<c>val_accuracy</c>).
    /// </summary>
    public async Task<RlvrResult> TrainAsync(IReadOnlyList<Example> prompts, CheckpointManager checkpoints, Action<string>? extraFiles = null, CancellationToken cancellationToken = default, IReadOnlyList<Example>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("no prompts to train on", nameof(prompts));
        }

        _reference?.Eval();
        _policy.GradientCheckpointing = _compute.GradientCheckpointing;
        var update = new PolicyUpdate(_policy, _reference, _options, _compute, _ranks, _padTokenId);
        var trainable = _policy.Parameters().Where(p => p.RequiresGrad).ToList();
        using var optimizer = new AdamW(trainable, _options.LearningRate, weightDecay: _options.WeightDecay);
        var loop = new TrainingLoop(_policy, trainable, optimizer, checkpoints, _ranks, _observer, _options, _options.Steps, (long)_options.PpoEpochs * _options.MiniBatches, extraFiles);
        var resumed = loop.Start();
        var series = new Dictionary<string, List<StepValue>>(StringComparer.Ordinal);
        foreach (var (name, values) in resumed?.Series ?? new Dictionary<string, IReadOnlyList<StepValue>>())
        {
            series[name] = [.. values];
        }

        var cursor = resumed?.DataCursor ?? 0;
        var validating = _options.EvalEverySteps > 0 && validation is { Count: > 0 };
        // Records val_accuracy at the given step; null when a preemption cancelled it (the loop then saves the step).
        async Task<double?> ValidateAsync(long step)
        {
            double accuracy;
            try
            {
                accuracy = await ValidationAccuracyAsync(validation!, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || _ranks.IsDistributed)
            {
                return null; // this rank or another was preempted: the loop saves the step and stops
            }

            (series.TryGetValue("val_accuracy", out var list) ? list : series["val_accuracy"] = []).Add(new StepValue(step, accuracy));
            return accuracy;
        }

        if (validating && loop.Step == 0 && await ValidateAsync(0).ConfigureAwait(false) is { } before)
        {
            _observer.OnMessage(FormattableString.Invariant($"validation before training: val_accuracy {before * 100:F1}% on {validation!.Count} held-out prompts"));
        }

        var order = new EpochOrder(prompts.Count, _options.Seed);
        double rewardMean = double.NaN;
        async ValueTask<StepOutcome?> StepAsync(long step, CancellationToken token)
        {
            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            var stepClock = Stopwatch.StartNew();
            var cursorBefore = cursor;
            // A preemption during the rollouts abandons the step: its prompts are drawn again on resume.
            var collected = await CollectAsync(prompts, order, step - 1, () => cursor++, metrics, token).ConfigureAwait(false);
            if (collected is null)
            {
                cursor = cursorBefore;
                return null;
            }

            var (kept, totals) = collected.Value;
            rewardMean = totals.RewardSum / totals.Count;
            metrics["reward_mean"] = rewardMean;
            metrics["reward_std"] = totals.Count < 2 ? 0 : Math.Sqrt(Math.Max(0, (totals.RewardSquares - (totals.Count * rewardMean * rewardMean)) / (totals.Count - 1)));
            metrics["pass_rate"] = totals.Passed / totals.Count;
            metrics["response_length_mean"] = totals.ResponseTokens / totals.Count;
            metrics[RolloutTokensPerSecond] = totals.ResponseTokens / Math.Max(1e-9, metrics["generate_seconds"]); // all ranks' tokens over this rank's time

            double? loss = null;
            if (totals.Kept > 0)
            {
                update.Run(kept, optimizer, loop.Scheduler, trainable, step - 1, metrics);
                loss = metrics["loss"];
            }
            else
            {
                _observer.OnMessage($"step {step}: every group had equal rewards; no update");
            }

            if (loss is { } diverged && !double.IsFinite(diverged))
            {
                return new StepOutcome(diverged, metrics); // the loop stops here, before the series or validation
            }

            metrics["step_seconds"] = stepClock.Elapsed.TotalSeconds;
            metrics["learning_rate"] = optimizer.LearningRate;
            foreach (var name in new[] { "reward_mean", "pass_rate", "kl", "entropy", "response_length_mean", RolloutTokensPerSecond })
            {
                if (metrics.TryGetValue(name, out var v))
                {
                    (series.TryGetValue(name, out var list) ? list : series[name] = []).Add(new StepValue(step, v));
                }
            }

            if (validating && (step == _options.Steps || step % _options.EvalEverySteps == 0) && await ValidateAsync(step).ConfigureAwait(false) is { } accuracy)
            {
                metrics["val_accuracy"] = accuracy;
            }

            return new StepOutcome(loss, metrics);
        }

        TrainerState State(long step) => new()
        {
            Step = step,
            TotalSteps = _options.Steps,
            Seed = _options.Seed,
            DataCursor = cursor,
            Series = series.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<StepValue>)[.. kv.Value], StringComparer.Ordinal),
        };

        var result = await loop.RunAsync(StepAsync, State, cancellationToken).ConfigureAwait(false);
        return new RlvrResult(result.Step, rewardMean, result.Checkpoint, result.Preempted);
    }

    /// <summary>
    /// Fraction of <paramref name="validation"/> whose greedy completion earns the full reward (1 or more); the generator
    /// puts the policy in eval mode and back.
    /// </summary>
    private async Task<double> ValidationAccuracyAsync(IReadOnlyList<Example> validation, CancellationToken cancellationToken)
    {
        var evaluator = new ModelEvaluator(_policy, _tokenizer, _template, _reward, _padTokenId, _eosTokenIds) { Ranks = _ranks, Compute = _compute };
        var options = new EvalOptions { MaxNewTokens = _options.MaxNewTokens, BatchSize = Math.Max(_options.GroupSize, _options.MicroBatchSize) };
        return (await evaluator.EvaluateAsync(validation, options, cancellationToken).ConfigureAwait(false)).Accuracy;
    }

    /// <summary>
    /// Rolls out groups until this rank's share of PromptsPerStep informative groups is kept (dynamic sampling) or once
    /// (otherwise), and sums the step's figures over ranks. Each round the ranks tell each other how many prompts they
    /// still need (and whether one was preempted) in one collective; all ranks then draw the round's prompts in one
    /// sequence, so the data cursor advances alike everywhere, and each takes its own slice. Null when a rank was
    /// preempted.
    /// </summary>
    private async Task<(List<Rollout> Kept, StepTotals Totals)?> CollectAsync(IReadOnlyList<Example> prompts, EpochOrder order, long step, Func<long> nextCursor, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var share = _options.PromptsPerStep / _ranks.WorldSize;
        var kept = new List<Rollout>();
        int groups = 0, degenerate = 0, keptGroups = 0;
        double rewardSum = 0, rewardSquares = 0, passed = 0, responseTokens = 0, count = 0;
        double generateSeconds = 0, rewardSeconds = 0;
        var cancelled = false;
        for (var round = 0; ; round++)
        {
            var need = round == 0 || (_options.DynamicSampling && round <= _options.MaxRefills) ? share - keptGroups : 0;
            var agreed = _ranks.Gather([cancelled ? 0 : need, cancelled ? 1 : 0]);
            if (agreed.Any(a => a[1] != 0))
            {
                return null;
            }

            var total = agreed.Sum(a => a[0]);
            if (total == 0)
            {
                break;
            }

            var offset = agreed.Take(_ranks.Rank).Sum(a => a[0]);
            var drawn = Enumerable.Range(0, (int)total).Select(_ => nextCursor()).ToList();
            var examples = drawn.Skip((int)offset).Take(need).Select(c => prompts[order.At(c)]).ToList();
            if (examples.Count == 0)
            {
                continue;
            }

            List<Rollout> rollouts;
            try
            {
                var clock = Stopwatch.StartNew();
                var seed = unchecked((_options.Seed * 1_000_003UL) + ((ulong)step * 131UL) + (ulong)round + ((ulong)_ranks.Rank * 1_000_000_007UL));
                var results = Generate(examples, seed, cancellationToken);
                generateSeconds += clock.Elapsed.TotalSeconds;

                clock.Restart();
                // All of the round's completions are scored at once; a reward that runs code bounds its own concurrency
                // (CodeReward's MaxConcurrency), so one looping completion no longer delays every other one by its timeout.
                var scores = await RewardScoring.ScoreAllAsync(_reward, results.Select(r => new RewardInput(r.Example.PromptText, r.Result.Text ?? string.Empty, r.Example)).ToList(), cancellationToken).ConfigureAwait(false);
                rollouts = [.. results.Select((r, i) => new Rollout(r.Example, r.PromptIds, r.Result.Tokens, r.Result.Text ?? string.Empty, scores[i].Score))];

                rewardSeconds += clock.Elapsed.TotalSeconds;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true; // told to every rank at the next agreement
                continue;
            }

            foreach (var group in rollouts.Chunk(_options.GroupSize))
            {
                groups++;
                foreach (var r in group)
                {
                    rewardSum += r.Reward;
                    rewardSquares += r.Reward * r.Reward;
                    passed += r.Reward >= 1 - 1e-9 ? 1 : 0;
                    responseTokens += r.ResponseIds.Length;
                    count++;
                }

                var rewards = group.Select(r => r.Reward).ToList();
                var isDegenerate = Advantages.IsDegenerate(rewards);
                degenerate += isDegenerate ? 1 : 0;
                if (isDegenerate && _options.DynamicSampling)
                {
                    continue;
                }

                var advantages = Advantages.ScaleNegatives(Advantages.Compute(_options.Advantage, rewards), _options.NegativeAdvantageScale);
                for (var i = 0; i < group.Length; i++)
                {
                    group[i].Advantage = advantages[i];
                }

                kept.AddRange(group);
                keptGroups++;
            }
        }

        var sums = _ranks.Sum([rewardSum, rewardSquares, passed, responseTokens, count, groups, degenerate, keptGroups]);
        metrics["generate_seconds"] = generateSeconds;
        metrics["reward_seconds"] = rewardSeconds;
        metrics["zero_std_group_fraction"] = sums[5] == 0 ? 0 : sums[6] / sums[5];
        return (kept, new StepTotals(sums[0], sums[1], sums[2], sums[3], sums[4], (long)sums[7]));
    }

    /// <summary>The step's rollout figures summed over ranks.</summary>
    private readonly record struct StepTotals(double RewardSum, double RewardSquares, double Passed, double ResponseTokens, double Count, long Kept);

    private List<(Example Example, int[] PromptIds, GenerationResult Result)> Generate(List<Example> examples, ulong seed, CancellationToken cancellationToken)
    {
        var promptIds = examples.Select(e => _template.EncodeGenerationPrompt(_tokenizer, PromptMessages(e))).ToList();
        var batch = promptIds.SelectMany(p => Enumerable.Repeat<IReadOnlyList<int>>(p, _options.GroupSize)).ToList();
        var sampling = new SamplingOptions
        {
            Temperature = _options.Temperature,
            TopP = _options.TopP,
            TopK = _options.TopK,
            MaxNewTokens = _options.MaxNewTokens,
            Seed = seed,
            EosTokenIds = _eosTokenIds,
            StopStrings = _options.StopStrings,
        };
        var generator = new TextGenerator(_policy, _padTokenId, ids => _tokenizer.Decode([.. ids], skipSpecialTokens: true));
        var results = new List<GenerationResult>(batch.Count);
        using var autocast = _compute.Autocast(); // rollouts in the precision the update computes in
        foreach (var chunk in batch.Chunk(Math.Max(_options.GroupSize, _options.MicroBatchSize)))
        {
            results.AddRange(generator.Generate(chunk, sampling with { Seed = sampling.Seed + (ulong)results.Count }, cancellationToken));
        }

        return [.. results.Select((r, i) => (examples[i / _options.GroupSize], promptIds[i / _options.GroupSize], r))];
    }

    /// <summary>The conversation up to the question: the example's messages without a final assistant turn, or its prompt.</summary>
    public static IReadOnlyList<ChatMessage> PromptMessages(Example example)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (example.Messages is { Count: > 0 } messages)
        {
            var upTo = messages[^1].Role == ChatMessage.AssistantRole ? messages.Count - 1 : messages.Count;
            return [.. messages.Take(upTo)];
        }

        return [ChatMessage.User(example.PromptText)];
    }
}
