using System.Diagnostics;
using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Checkpoints;
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
/// entropy bonus.
/// </summary>
public sealed class RlvrTrainer
{
    private readonly CausalLanguageModel _policy;
    private readonly CausalLanguageModel? _reference;
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly IRewardFunction _reward;
    private readonly RlvrOptions _options;
    private readonly int _padTokenId;
    private readonly IReadOnlyList<int> _eosTokenIds;
    private readonly ITrainingObserver _observer;

    /// <summary>Creates the trainer; <paramref name="reference"/> is required when the KL coefficient is above 0.</summary>
    public RlvrTrainer(CausalLanguageModel policy, CausalLanguageModel? reference, ITokenizer tokenizer, ChatTemplate template, IRewardFunction reward, RlvrOptions options, int padTokenId, IReadOnlyList<int> eosTokenIds, ITrainingObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.KlCoefficient > 0 && reference is null)
        {
            throw new ArgumentException("a KL coefficient above 0 needs a reference model", nameof(reference));
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
        var trainable = _policy.Parameters().Where(p => p.RequiresGrad).ToList();
        using var optimizer = new AdamW(trainable, _options.LearningRate, weightDecay: _options.WeightDecay);
        var updatesPerStep = (long)_options.PpoEpochs * _options.MiniBatches;
        var scheduler = new LearningRateScheduler(optimizer, Schedule(_options.Steps * updatesPerStep), _options.LearningRate);
        var series = new Dictionary<string, List<StepValue>>(StringComparer.Ordinal);
        long step = 0, cursor = 0;
        if (_options.Resume && checkpoints.Latest() is { } latest)
        {
            var state = TrainerState.Load(latest);
            HfCheckpoint.LoadWeights(_policy, latest);
            if (File.Exists(Path.Combine(latest, Lora.WeightsFile)))
            {
                Lora.LoadAdapterWeights(_policy, latest); // LoRA runs keep their adapter beside the frozen base
            }

            optimizer.Load(Path.Combine(latest, CheckpointManager.OptimizerFile));
            step = state.Step;
            cursor = state.DataCursor;
            scheduler.SetStep(step * updatesPerStep);
            foreach (var (name, values) in state.Series)
            {
                series[name] = [.. values];
            }

            _observer.OnMessage($"resumed from {latest} at step {step}");
        }

        string? lastSaved = step > 0 ? checkpoints.Latest() : null;
        string Save()
        {
            var state = new TrainerState
            {
                Step = step,
                TotalSteps = _options.Steps,
                Seed = _options.Seed,
                DataCursor = cursor,
                Series = series.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<StepValue>)[.. kv.Value], StringComparer.Ordinal),
            };
            lastSaved = checkpoints.Save(_policy, state, optimizer, extraFiles);
            _observer.OnCheckpoint(step, lastSaved);
            return lastSaved;
        }

        var validating = _options.EvalEverySteps > 0 && validation is { Count: > 0 };
        // Records val_accuracy at the current step; null when a preemption cancelled it (the loop then saves the step).
        async Task<double?> ValidateAsync()
        {
            double accuracy;
            try
            {
                accuracy = await ValidationAccuracyAsync(validation!, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            (series.TryGetValue("val_accuracy", out var list) ? list : series["val_accuracy"] = []).Add(new StepValue(step, accuracy));
            return accuracy;
        }

        if (validating && step == 0 && await ValidateAsync().ConfigureAwait(false) is { } before)
        {
            _observer.OnMessage(FormattableString.Invariant($"validation before training: val_accuracy {before * 100:F1}% on {validation!.Count} held-out prompts"));
        }

        var order = new EpochOrder(prompts.Count, _options.Seed);
        double rewardMean = double.NaN;
        while (step < _options.Steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _observer.OnMessage($"cancelled at step {step}; saving a checkpoint");
                var path = lastSaved is not null && CheckpointManager.StepOf(lastSaved) == step ? lastSaved : Save();
                return new RlvrResult(step, rewardMean, path, Preempted: true);
            }

            var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
            var stepClock = Stopwatch.StartNew();
            var (kept, all, generated) = await CollectAsync(prompts, order, step, () => cursor++, metrics, cancellationToken).ConfigureAwait(false);
            rewardMean = all.Average(r => r.Reward);
            metrics["reward_mean"] = rewardMean;
            metrics["reward_std"] = StandardDeviation(all.Select(r => r.Reward));
            metrics["pass_rate"] = all.Count(r => r.Reward >= 1 - 1e-9) / (double)all.Count;
            metrics["response_length_mean"] = all.Average(r => r.ResponseIds.Length);
            metrics["rollout_tokens_per_second"] = generated / Math.Max(1e-9, metrics["generate_seconds"]);

            if (kept.Count > 0)
            {
                Update(kept, optimizer, scheduler, trainable, step, metrics);
            }
            else
            {
                _observer.OnMessage($"step {step + 1}: every group had equal rewards; no update");
            }

            step++;
            metrics["step_seconds"] = stepClock.Elapsed.TotalSeconds;
            metrics["learning_rate"] = optimizer.LearningRate;
            foreach (var name in new[] { "reward_mean", "pass_rate", "kl", "entropy", "response_length_mean" })
            {
                if (metrics.TryGetValue(name, out var v))
                {
                    (series.TryGetValue(name, out var list) ? list : series[name] = []).Add(new StepValue(step, v));
                }
            }

            if (validating && (step == _options.Steps || step % _options.EvalEverySteps == 0) && await ValidateAsync().ConfigureAwait(false) is { } accuracy)
            {
                metrics["val_accuracy"] = accuracy;
            }

            _observer.OnStep(step, _options.Steps, metrics);
            if (step == _options.Steps || (_options.SaveEverySteps > 0 && step % _options.SaveEverySteps == 0))
            {
                Save();
            }
        }

        return new RlvrResult(step, rewardMean, lastSaved ?? Save(), Preempted: false);
    }

    /// <summary>
    /// Fraction of <paramref name="validation"/> whose greedy completion earns the full reward (1 or more); the generator
    /// puts the policy in eval mode and back.
    /// </summary>
    private async Task<double> ValidationAccuracyAsync(IReadOnlyList<Example> validation, CancellationToken cancellationToken)
    {
        var evaluator = new ModelEvaluator(_policy, _tokenizer, _template, _reward, _padTokenId, _eosTokenIds);
        var options = new EvalOptions { MaxNewTokens = _options.MaxNewTokens, BatchSize = Math.Max(_options.GroupSize, _options.MicroBatchSize) };
        return (await evaluator.EvaluateAsync(validation, options, cancellationToken).ConfigureAwait(false)).Accuracy;
    }

    /// <summary>Rolls out groups until PromptsPerStep informative groups are kept (dynamic sampling) or once (otherwise).</summary>
    private async Task<(List<Rollout> Kept, List<Rollout> All, long GeneratedTokens)> CollectAsync(IReadOnlyList<Example> prompts, EpochOrder order, long step, Func<long> nextCursor, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var kept = new List<Rollout>();
        var all = new List<Rollout>();
        int groups = 0, degenerate = 0, keptGroups = 0;
        long generated = 0;
        double generateSeconds = 0, rewardSeconds = 0;
        for (var round = 0; keptGroups < _options.PromptsPerStep && (round == 0 || (_options.DynamicSampling && round <= _options.MaxRefills)); round++)
        {
            var examples = Enumerable.Range(0, _options.PromptsPerStep - keptGroups).Select(_ => prompts[order.At(nextCursor())]).ToList();
            var clock = Stopwatch.StartNew();
            var results = Generate(examples, unchecked((_options.Seed * 1_000_003UL) + ((ulong)step * 131UL) + (ulong)round), cancellationToken);
            generateSeconds += clock.Elapsed.TotalSeconds;
            generated += results.Sum(r => r.Result.Tokens.Length);

            clock.Restart();
            var rollouts = new List<Rollout>(results.Count);
            foreach (var (example, promptIds, result) in results)
            {
                var score = await _reward.ScoreAsync(new RewardInput(example.PromptText, result.Text ?? string.Empty, example), cancellationToken).ConfigureAwait(false);
                rollouts.Add(new Rollout(example, promptIds, result.Tokens, result.Text ?? string.Empty, score.Score));
            }

            rewardSeconds += clock.Elapsed.TotalSeconds;
            foreach (var group in rollouts.Chunk(_options.GroupSize))
            {
                groups++;
                all.AddRange(group);
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

        metrics["generate_seconds"] = generateSeconds;
        metrics["reward_seconds"] = rewardSeconds;
        metrics["zero_std_group_fraction"] = groups == 0 ? 0 : degenerate / (double)groups;
        return (kept, all, generated);
    }

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

    private void Update(List<Rollout> rollouts, AdamW optimizer, LearningRateScheduler scheduler, List<Parameter> trainable, long step, Dictionary<string, double> metrics)
    {
        using var scope = TorchScope.NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var n = rollouts.Count;
        var length = rollouts.Max(r => r.PromptIds.Length + r.ResponseIds.Length);
        var ids = new long[n * length];
        var attention = new long[n * length];
        var response = new float[n * (length - 1)];
        for (var i = 0; i < n; i++)
        {
            var r = rollouts[i];
            var full = r.PromptIds.Concat(r.ResponseIds).ToArray();
            for (var t = 0; t < length; t++)
            {
                ids[(i * length) + t] = t < full.Length ? full[t] : _padTokenId;
                attention[(i * length) + t] = t < full.Length ? 1 : 0;
                // target t predicts token t + 1: a response token when it lies past the prompt
                if (t < length - 1)
                {
                    response[(i * (length - 1)) + t] = t + 1 >= r.PromptIds.Length && t + 1 < full.Length ? 1 : 0;
                }
            }
        }

        var idsT = TorchOps.FromArray(ids, n, length);
        var attentionT = TorchOps.FromArray(attention, n, length);
        var responseT = TorchOps.FromArray(response, n, length - 1);
        var advantagesT = TorchOps.FromArray(rollouts.Select(r => (float)r.Advantage).ToArray(), n, 1);
        // One epoch over one mini-batch is on-policy: the policy that sampled is the one being updated, so the old
        // log-probabilities equal the current ones and are taken detached from the update's own forward pass (as verl
        // does), saving a full forward over the batch.
        var onPolicy = _options.PpoEpochs == 1 && _options.MiniBatches == 1;
        var oldLogProbs = onPolicy ? null : ScoreNoGrad(_policy, idsT, attentionT);
        var referenceLogProbs = _options.KlCoefficient > 0 && _reference is not null ? ScoreNoGrad(_reference, idsT, attentionT) : null;
        metrics["logprob_seconds"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var device = _policy.OutputWeight.Device;
        double clipLowSum = 0, clipHighSum = 0, dualSum = 0, klSum = 0, entropySum = 0, lossSum = 0, tokenSum = 0;
        var gradNorm = 0.0;
        _policy.Train();
        for (var epoch = 0; epoch < _options.PpoEpochs; epoch++)
        {
            var permutation = SeededShuffle.Shuffle(Enumerable.Range(0, n), unchecked((int)((_options.Seed * 7919UL) + ((ulong)step * 31UL) + (ulong)epoch)));
            var size = (int)Math.Ceiling(n / (double)_options.MiniBatches);
            foreach (var mini in permutation.Chunk(size))
            {
                using var miniScope = TorchScope.NewDisposeScope();
                var miniIndex = TorchOps.FromArray(mini.Select(i => (long)i).ToArray(), mini.Length);
                var totalTokens = Math.Max(1.0, responseT.IndexSelect(0, miniIndex).Sum().Item<float>());
                foreach (var micro in mini.Chunk(_options.MicroBatchSize))
                {
                    using var microScope = TorchScope.NewDisposeScope();
                    var index = TorchOps.FromArray(micro.Select(i => (long)i).ToArray(), micro.Length);
                    var mask = responseT.IndexSelect(0, index).To(device);
                    var logits = Logits(_policy, idsT.IndexSelect(0, index).To(device), attentionT.IndexSelect(0, index).To(device));
                    var targets = idsT.IndexSelect(0, index).Narrow(1, 1, length - 1).To(device).Unsqueeze(-1);
                    var logProbs = logits.LogSoftmax(-1).Gather(-1, targets).Squeeze(-1);
                    var advantages = advantagesT.IndexSelect(0, index).To(device);
                    var (policyLoss, clipped, dual) = PolicyLoss.Compute(logProbs, oldLogProbs is null ? logProbs.Detach() : oldLogProbs.IndexSelect(0, index).To(device), advantages, _options.ClipLow, _options.ClipHigh, _options.DualClip);
                    var tokenLoss = policyLoss;
                    if (referenceLogProbs is not null)
                    {
                        var kl = KlPenalty.Compute(_options.KlEstimator, logProbs, referenceLogProbs.IndexSelect(0, index).To(device));
                        tokenLoss += kl * _options.KlCoefficient;
                        klSum += (kl.Detach() * mask).Sum().Item<float>();
                    }

                    Tensor entropy;
                    if (_options.EntropyCoefficient > 0)
                    {
                        entropy = Entropy.FromLogits(logits);
                        tokenLoss -= entropy * _options.EntropyCoefficient;
                    }
                    else
                    {
                        using var noGrad = TorchOps.NoGrad();
                        entropy = Entropy.FromLogits(logits.Detach());
                    }

                    var loss = LossAggregator.Partial(_options.Aggregation, tokenLoss, mask, totalTokens, mini.Length, _options.MaxNewTokens);
                    loss.Backward();
                    lossSum += loss.Item<float>();
                    var (clippedLow, clippedHigh) = PolicyLoss.SplitClipped(clipped, advantages);
                    clipLowSum += (clippedLow * mask).Sum().Item<float>();
                    clipHighSum += (clippedHigh * mask).Sum().Item<float>();
                    dualSum += (dual * mask).Sum().Item<float>();
                    entropySum += (entropy.Detach() * mask).Sum().Item<float>();
                    tokenSum += mask.Sum().Item<float>();
                }

                using (TorchOps.NoGrad())
                {
                    gradNorm = GradientClipping.ClipGradNorm(trainable, _options.MaxGradNorm > 0 ? _options.MaxGradNorm : double.PositiveInfinity);
                }

                optimizer.Step();
                optimizer.ZeroGrad();
                scheduler.Step();
            }
        }

        var tokens = Math.Max(1, tokenSum);
        metrics["loss"] = lossSum / (_options.PpoEpochs * _options.MiniBatches);
        metrics["clip_fraction"] = (clipLowSum + clipHighSum) / tokens; // a token is held by one bound or neither
        metrics["clip_fraction_low"] = clipLowSum / tokens;
        metrics["clip_fraction_high"] = clipHighSum / tokens;
        metrics["dual_clip_fraction"] = dualSum / tokens;
        metrics["entropy"] = entropySum / tokens;
        metrics["grad_norm"] = gradNorm;
        if (referenceLogProbs is not null)
        {
            metrics["kl"] = klSum / tokens;
        }

        metrics["update_seconds"] = clock.Elapsed.TotalSeconds;
    }

    private Tensor Logits(CausalLanguageModel model, Tensor ids, Tensor attention)
    {
        var logits = model.Forward(ids, attention).Narrow(1, 0, ids.Shape[1] - 1).To(ScalarType.Float32);
        return _options.Temperature == 1.0 ? logits : logits / _options.Temperature;
    }

    private Tensor ScoreNoGrad(CausalLanguageModel model, Tensor ids, Tensor attention)
    {
        var wasTraining = model.Training;
        model.Eval();
        using var noGrad = TorchOps.NoGrad();
        var device = model.OutputWeight.Device;
        var parts = new List<Tensor>();
        var n = ids.Shape[0];
        for (long start = 0; start < n; start += _options.MicroBatchSize)
        {
            var count = Math.Min(_options.MicroBatchSize, n - start);
            var chunkIds = ids.Narrow(0, start, count).To(device);
            var logits = Logits(model, chunkIds, attention.Narrow(0, start, count).To(device));
            parts.Add(logits.LogSoftmax(-1).Gather(-1, chunkIds.Narrow(1, 1, ids.Shape[1] - 1).Unsqueeze(-1)).Squeeze(-1).Cpu());
        }

        model.Train(wasTraining);
        return TorchOps.Cat(parts, 0);
    }

    private LearningRateSchedule Schedule(long totalUpdates) => _options.Schedule switch
    {
        "linear" => LearningRateSchedule.Linear(_options.WarmupSteps, totalUpdates),
        "cosine" => LearningRateSchedule.Cosine(_options.WarmupSteps, totalUpdates),
        _ => LearningRateSchedule.Constant(_options.WarmupSteps),
    };

    private static double StandardDeviation(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count < 2)
        {
            return 0;
        }

        var mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }
}
