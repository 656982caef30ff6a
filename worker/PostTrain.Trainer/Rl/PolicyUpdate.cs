using PostTrain.Api.Rlvr;
using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Rl;

/// <summary>
/// One RL step's optimisation over scored rollouts: old and reference log-probabilities, then PPO epochs over
/// mini-batches of the clipped surrogate (with KL penalty and entropy bonus), AdamW after each mini-batch. Everything
/// runs on the compute device: the rollouts go in as four tensors and one permutation per epoch, the step's figures come
/// out in one read at the end. With several ranks each holds its own rollouts (whole groups); a mini-batch is every
/// rank's share of it, normalised by the global token and sequence counts and with gradients summed over ranks, so the
/// update equals the one-process update on all ranks' rollouts taken together.
/// </summary>
/// <param name="policy">The model being trained, on the compute device.</param>
/// <param name="reference">The frozen reference model (needed when the KL coefficient is above 0).</param>
/// <param name="options">The RL hyperparameters.</param>
/// <param name="compute">Device and precision.</param>
/// <param name="ranks">The data-parallel group (one process: a group of one).</param>
/// <param name="padTokenId">Id of padding.</param>
public sealed class PolicyUpdate(CausalLanguageModel policy, CausalLanguageModel? reference, RlvrOptions options, ComputeOptions compute, DataParallelGroup ranks, int padTokenId)
{
    /// <summary>
    /// Updates the policy from <paramref name="rollouts"/> (this rank's, advantages set) and adds the update's figures
    /// (loss, clip fractions, KL, entropy, gradient norm, phase seconds) to <paramref name="metrics"/>.
    /// </summary>
    public void Run(IReadOnlyList<Rollout> rollouts, AdamW optimizer, LearningRateScheduler scheduler, IReadOnlyList<Parameter> trainable, long step, Dictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(rollouts);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(metrics);
        using var scope = TorchScope.NewDisposeScope();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var batch = RolloutBatch.Build(rollouts, padTokenId, compute.Device);

        // One epoch over one mini-batch is on-policy: the policy that sampled is the one being updated, so the old
        // log-probabilities equal the current ones and are taken detached from the update's own forward pass (as verl
        // does), saving a full forward over the batch.
        var onPolicy = options.PpoEpochs == 1 && options.MiniBatches == 1;
        var oldLogProbs = onPolicy || batch is null ? null : Score(policy, batch);
        var referenceLogProbs = options.KlCoefficient > 0 && reference is not null && batch is not null ? Score(reference, batch) : null;
        metrics["logprob_seconds"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var plan = MiniBatchPlan(rollouts, step);
        // Sums on the device: clip low, clip high, dual clip, KL, entropy (each over response tokens), loss, tokens.
        var stats = TorchOps.Zeros([7], ScalarType.Float64, compute.Device);
        var gradNorm = TorchOps.Zeros([], ScalarType.Float32, compute.Device);
        policy.Train();
        for (var epoch = 0; epoch < options.PpoEpochs; epoch++)
        {
            using var epochScope = TorchScope.NewDisposeScope();
            var permuted = batch?.Permute(plan.Permutations[epoch], oldLogProbs, referenceLogProbs);
            for (var mini = 0; mini < options.MiniBatches; mini++)
            {
                var (start, count) = plan.Slice(mini);
                var (totalTokens, totalSequences) = plan.Totals(epoch, mini);
                if (totalSequences == 0)
                {
                    continue; // no rank has rollouts for this mini-batch: nothing to step on, on any rank
                }

                for (var offset = 0; offset < count; offset += options.MicroBatchSize)
                {
                    using var microScope = TorchScope.NewDisposeScope();
                    var micro = permuted!.Narrow(start + offset, Math.Min(options.MicroBatchSize, count - offset));
                    var (loss, microStats) = Loss(micro, totalTokens, totalSequences);
                    loss.Backward();
                    stats.AddInPlace(microStats);
                }

                ranks.SumGradients(trainable); // every rank steps, with or without rollouts of its own
                using (var clipScope = TorchScope.NewDisposeScope())
                using (TorchOps.NoGrad())
                {
                    gradNorm.CopyFrom(GradientClipping.ClipGradNormTensor(trainable, options.MaxGradNorm > 0 ? options.MaxGradNorm : double.PositiveInfinity));
                }

                optimizer.Step();
                optimizer.ZeroGrad();
                scheduler.Step();
            }
        }

        if (ranks.IsDistributed)
        {
            ranks.Sum(stats);
        }

        var values = TorchOps.Cat([stats, gradNorm.To(ScalarType.Float64).Unsqueeze(0)]).ToArray<double>(); // the one read
        var tokens = Math.Max(1, values[6]);
        metrics["loss"] = values[5] / (options.PpoEpochs * options.MiniBatches);
        metrics["clip_fraction"] = (values[0] + values[1]) / tokens; // a token is held by one bound or neither
        metrics["clip_fraction_low"] = values[0] / tokens;
        metrics["clip_fraction_high"] = values[1] / tokens;
        metrics["dual_clip_fraction"] = values[2] / tokens;
        metrics["entropy"] = values[4] / tokens;
        metrics["grad_norm"] = values[7];
        if (options.KlCoefficient > 0 && reference is not null)
        {
            metrics["kl"] = values[3] / tokens;
        }

        metrics["update_seconds"] = clock.Elapsed.TotalSeconds;
    }

    /// <summary>The micro-batch's share of the mini-batch loss, and its statistics as a [7] float64 vector.</summary>
    private (Tensor Loss, Tensor Stats) Loss(RolloutBatch micro, double totalTokens, double totalSequences)
    {
        Tensor loss;
        Tensor stats;
        using (compute.Autocast())
        {
            var logits = Logits(policy, micro.Ids, micro.Attention);
            var logProbs = logits.LogSoftmax(-1).Gather(-1, micro.Targets).Squeeze(-1);
            var (policyLoss, clipped, dual) = PolicyLoss.Compute(logProbs, micro.OldLogProbs ?? logProbs.Detach(), micro.Advantages, options.ClipLow, options.ClipHigh, options.DualClip);
            var tokenLoss = policyLoss;
            var kl = TorchOps.Zeros([], ScalarType.Float32, compute.Device);
            if (micro.ReferenceLogProbs is not null)
            {
                var perToken = KlPenalty.Compute(options.KlEstimator, logProbs, micro.ReferenceLogProbs);
                tokenLoss += perToken * options.KlCoefficient;
                kl = (perToken.Detach() * micro.Mask).Sum();
            }

            Tensor entropy;
            if (options.EntropyCoefficient > 0)
            {
                entropy = Entropy.FromLogits(logits);
                tokenLoss -= entropy * options.EntropyCoefficient;
            }
            else
            {
                using var noGrad = TorchOps.NoGrad();
                entropy = Entropy.FromLogits(logits.Detach());
            }

            loss = LossAggregator.Partial(options.Aggregation, tokenLoss, micro.Mask, totalTokens, totalSequences, options.MaxNewTokens);
            var (clippedLow, clippedHigh) = PolicyLoss.SplitClipped(clipped, micro.Advantages);
            stats = TorchOps.Stack(
            [
                (clippedLow * micro.Mask).Sum(),
                (clippedHigh * micro.Mask).Sum(),
                (dual * micro.Mask).Sum(),
                kl,
                (entropy.Detach() * micro.Mask).Sum(),
                loss.Detach(),
                micro.Mask.Sum(),
            ]).To(ScalarType.Float64);
        }

        return (loss, stats);
    }

    private Tensor Logits(CausalLanguageModel model, Tensor ids, Tensor attention)
    {
        var logits = model.Forward(ids, attention).Narrow(1, 0, ids.Shape[1] - 1).To(ScalarType.Float32);
        return options.Temperature == 1.0 ? logits : logits / options.Temperature;
    }

    /// <summary>Per-token log-probabilities [n, length − 1] of the batch's tokens under <paramref name="model"/>, on the device.</summary>
    private Tensor Score(CausalLanguageModel model, RolloutBatch batch)
    {
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = TorchOps.NoGrad();
            using var autocast = compute.Autocast();
            var parts = new List<Tensor>();
            var n = batch.Ids.Shape[0];
            for (long start = 0; start < n; start += options.MicroBatchSize)
            {
                var count = Math.Min(options.MicroBatchSize, n - start);
                var logits = Logits(model, batch.Ids.Narrow(0, start, count), batch.Attention.Narrow(0, start, count));
                parts.Add(logits.LogSoftmax(-1).Gather(-1, batch.Targets.Narrow(0, start, count)).Squeeze(-1));
            }

            return TorchOps.Cat(parts, 0);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// The permutation of each epoch and the global size of every mini-batch: the rollouts are shuffled per epoch and
    /// split into <see cref="RlvrOptions.MiniBatches"/> near-equal slices (possibly empty), on every rank the same number.
    /// </summary>
    private Plan MiniBatchPlan(IReadOnlyList<Rollout> rollouts, long step)
    {
        var n = rollouts.Count;
        var permutations = new long[options.PpoEpochs][];
        var local = new double[options.PpoEpochs * options.MiniBatches * 2];
        var responseTokens = rollouts.Select(r => (double)r.ResponseIds.Length).ToArray();
        var plan = new Plan(permutations, local, n, options.MiniBatches);
        for (var epoch = 0; epoch < options.PpoEpochs; epoch++)
        {
            var order = SeededShuffle.Shuffle(Enumerable.Range(0, n), unchecked((int)((options.Seed * 7919UL) + ((ulong)step * 31UL) + (ulong)epoch)));
            permutations[epoch] = [.. order.Select(i => (long)i)];
            for (var mini = 0; mini < options.MiniBatches; mini++)
            {
                var (start, count) = plan.Slice(mini);
                local[(((epoch * options.MiniBatches) + mini) * 2) + 0] = order.Skip(start).Take(count).Sum(i => responseTokens[i]);
                local[(((epoch * options.MiniBatches) + mini) * 2) + 1] = count;
            }
        }

        return plan with { MiniBatchTotals = ranks.Sum(local) }; // one collective for the whole update
    }

    private sealed record Plan(long[][] Permutations, double[] MiniBatchTotals, int Count, int MiniBatches)
    {
        /// <summary>Start and length of mini-batch <paramref name="mini"/> of this rank's permuted rollouts.</summary>
        public (int Start, int Count) Slice(int mini)
        {
            var start = (int)((long)Count * mini / MiniBatches);
            var end = (int)((long)Count * (mini + 1) / MiniBatches);
            return (start, end - start);
        }

        /// <summary>Response tokens (at least 1) and sequences of a mini-batch over every rank.</summary>
        public (double Tokens, double Sequences) Totals(int epoch, int mini)
        {
            var i = ((epoch * MiniBatches) + mini) * 2;
            return (Math.Max(1.0, MiniBatchTotals[i]), MiniBatchTotals[i + 1]);
        }
    }
}
