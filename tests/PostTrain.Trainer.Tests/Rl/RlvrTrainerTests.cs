using PostTrain.Api.Rlvr;
using PostTrain.Torch;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Rl;

/// <summary>In the serial collection: <see cref="Steps_leave_no_native_tensor_behind"/> reads the process-wide tensor count.</summary>
[Collection(NativeCounterCollection.Name)]
public sealed class RlvrTrainerTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-rlvr-");

    private static readonly IReadOnlyList<Example> Prompts =
        [.. Enumerable.Range(0, 16).Select(i => new Example { Id = $"p{i}", Prompt = $"Say sevens {i}", ReferenceAnswer = "7" })];

    private static RlvrOptions Options => new()
    {
        Steps = 12,
        PromptsPerStep = 4,
        GroupSize = 8,
        MaxNewTokens = 6,
        Temperature = 1.0,
        LearningRate = 1e-2,
        Advantage = AdvantageEstimator.Grpo,
        Seed = 3,
        MicroBatchSize = 32,
        MaxGradNorm = 1.0,
    };

    private static RlvrTrainer Trainer(CausalLanguageModel policy, RlvrOptions options, IRewardFunction reward, CausalLanguageModel? reference = null, ITrainingObserver? observer = null, ComputeOptions? compute = null) =>
        new(policy, reference, SftFixtures.Tokenizer, ChatTemplate.ChatMl, reward, options, SftFixtures.PadId, [SftFixtures.Tokenizer.TokenToId(BuiltinTokenizers.ImEnd)!.Value], observer, compute);

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // training.precision: bf16 (autocast over float32 master weights)
    public async Task Grpo_raises_a_verifiable_reward(bool bf16)
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var reference = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new Recorder();
        var compute = bf16 ? ComputeOptions.Cpu with { MixedPrecision = ScalarType.BFloat16 } : null;
        // Two-token responses keep the decision small enough that 15 steps of a near-uniform policy must show it;
        // bf16 learns too, more slowly (measured: all-correct by step 26 against step 15 in fp32), so it gets 25 steps.
        var steps = bf16 ? 25 : 15;
        await Trainer(policy, Options with { Steps = steps, MaxNewTokens = 2, LearningRate = 3e-2, KlCoefficient = 0.001 }, new SevensReward(), reference, observer, compute)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, bf16 ? "learn-bf16" : "learn")));
        policy.Parameters().ShouldAllBe(p => p.DType == ScalarType.Float32, "master weights stay float32");

        var rewards = observer.Metrics.Select(m => m["reward_mean"]).ToList();
        rewards.Count.ShouldBe(steps);
        rewards.TakeLast(3).Average().ShouldBeGreaterThan(rewards.Take(3).Average() + 0.15, $"reward curve: {string.Join(", ", rewards.Select(r => r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
        observer.Metrics.ShouldAllBe(m => m.ContainsKey("kl") && m.ContainsKey("clip_fraction") && m.ContainsKey("entropy") && m.ContainsKey("rollout_tokens_per_second"));
        observer.Metrics.Skip(1).ShouldContain(m => m["kl"] > 0, "the policy moved away from the reference");

        // The reference model is frozen: training the policy leaves it equal to a fresh copy of the same initialisation.
        using var fresh = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var scope = TorchScope.NewDisposeScope();
        reference.Body.Norm.Weight.Eq(fresh.Body.Norm.Weight).All().Item<bool>().ShouldBeTrue();
        reference.OutputWeight.Eq(fresh.OutputWeight).All().Item<bool>().ShouldBeTrue();
        policy.OutputWeight.Eq(fresh.OutputWeight).All().Item<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task A_run_stopped_at_step_2_and_resumed_reproduces_the_uninterrupted_rewards()
    {
        var options = Options with { Steps = 4, SaveEverySteps = 1 };
        var straight = new CheckpointManager(Path.Combine(_dir.Path, "straight"));
        using (var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            await Trainer(policy, options, new SevensReward()).TrainAsync(Prompts, straight);
        }

        var interrupted = new CheckpointManager(Path.Combine(_dir.Path, "interrupted"));
        using (var cts = new CancellationTokenSource())
        using (var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            var first = await Trainer(policy, options, new SevensReward(), observer: new Recorder { CancelAt = (2, cts) }).TrainAsync(Prompts, interrupted, cancellationToken: cts.Token);
            first.Preempted.ShouldBeTrue();
            first.Step.ShouldBe(2);
        }

        using (var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 42))
        {
            (await Trainer(policy, options, new SevensReward()).TrainAsync(Prompts, interrupted)).Step.ShouldBe(4);
        }

        var expected = TrainerState.Load(straight.Latest()!).Series["reward_mean"];
        var actual = TrainerState.Load(interrupted.Latest()!).Series["reward_mean"];
        actual.Select(v => v.Step).ShouldBe(expected.Select(v => v.Step));
        for (var i = 0; i < expected.Count; i++)
        {
            actual[i].Value.ShouldBe(expected[i].Value, 1e-9, $"step {expected[i].Step}");
        }
    }

    [Fact]
    public async Task Dynamic_sampling_drops_groups_with_equal_rewards_and_skips_the_update_when_none_is_left()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var before = policy.Body.Norm.Weight.Detach().Clone().DetachFromDisposeScope();
        var observer = new Recorder();
        await Trainer(policy, Options with { Steps = 1, DynamicSampling = true, MaxRefills = 1 }, new ConstantReward(), observer: observer)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "dynamic")));

        observer.Metrics[0]["zero_std_group_fraction"].ShouldBe(1.0);
        observer.Messages.ShouldContain(m => m.Contains("no update", StringComparison.Ordinal));
        using var scope = TorchScope.NewDisposeScope();
        policy.Body.Norm.Weight.Eq(before).All().Item<bool>().ShouldBeTrue();
        before.Dispose();
    }

    [Fact]
    public async Task Dynamic_sampling_refills_dropped_groups_until_enough_are_kept()
    {
        // Even-numbered prompts earn the same reward on every sample (their groups are dropped); odd ones alternate 0, 1.
        async Task<(List<IReadOnlyDictionary<string, double>> Metrics, List<int> Drawn)> RunAsync(int maxRefills, string name)
        {
            using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            var reward = new HalfDegenerateReward();
            var observer = new Recorder { Probe = () => reward.Calls };
            await Trainer(policy, Options with { Steps = 4, DynamicSampling = true, MaxRefills = maxRefills }, reward, observer: observer)
                .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, name)));
            var drawn = observer.Probes.Select((calls, i) => (calls - (i == 0 ? 0 : observer.Probes[i - 1])) / Options.GroupSize).ToList();
            return (observer.Metrics, drawn);
        }

        static int Kept(IReadOnlyDictionary<string, double> metrics, int drawn) => drawn - (int)Math.Round(metrics["zero_std_group_fraction"] * drawn);

        // No refills: each step draws exactly PromptsPerStep groups and keeps only the informative ones among them.
        var (capped, cappedDrawn) = await RunAsync(0, "capped");
        cappedDrawn.ShouldAllBe(d => d == Options.PromptsPerStep);
        cappedDrawn.Select((d, i) => Kept(capped[i], d)).ShouldContain(k => k < Options.PromptsPerStep, "some step drew an even prompt");

        // With refills: every step keeps exactly PromptsPerStep informative groups, drawing more to replace dropped ones.
        var (refilled, refilledDrawn) = await RunAsync(8, "refilled");
        refilledDrawn.Select((d, i) => Kept(refilled[i], d)).ShouldAllBe(k => k == Options.PromptsPerStep);
        refilledDrawn.ShouldContain(d => d > Options.PromptsPerStep, "a dropped group was replaced");
    }

    [Fact]
    public async Task Dynamic_sampling_stops_refilling_at_the_cap()
    {
        // Every group has equal rewards, so each step refills as often as allowed: 1 + maxRefills rounds of PromptsPerStep.
        foreach (var maxRefills in new[] { 0, 1, 3 })
        {
            using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            var reward = new CountingReward();
            var observer = new Recorder { Probe = () => reward.Calls };
            await Trainer(policy, Options with { Steps = 2, DynamicSampling = true, MaxRefills = maxRefills }, reward, observer: observer)
                .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, $"cap{maxRefills}")));
            observer.Probes.ShouldBe([1 * (1 + maxRefills) * Options.PromptsPerStep * Options.GroupSize, 2 * (1 + maxRefills) * Options.PromptsPerStep * Options.GroupSize], $"maxRefills {maxRefills}");
            observer.Messages.Count(m => m.Contains("no update", StringComparison.Ordinal)).ShouldBe(2);
        }
    }

    [Fact]
    public async Task Several_epochs_and_mini_batches_update_against_the_old_log_probabilities_taken_before_the_first()
    {
        // One epoch of one mini-batch is on-policy: the ratio is exactly 1 and nothing is clipped.
        var onPolicy = new Recorder();
        using (var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            await Trainer(policy, Options with { Steps = 2 }, new SevensReward(), observer: onPolicy)
                .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "on")));
        }

        onPolicy.Metrics.ShouldAllBe(m => m["clip_fraction"] == 0);

        // Two epochs of one mini-batch, and one epoch of two: the second update sees a policy that has moved away from
        // the log-probabilities computed once before the first, so the ratio leaves the clip range. Were they recomputed
        // per epoch (first case) or per mini-batch (second), every ratio would be 1 and nothing would be clipped.
        foreach (var (epochs, miniBatches) in new[] { (2, 1), (1, 2) })
        {
            var offPolicy = new Recorder();
            using (var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
            {
                await Trainer(policy, Options with { Steps = 2, PpoEpochs = epochs, MiniBatches = miniBatches, LearningRate = 5e-2 }, new SevensReward(), observer: offPolicy)
                    .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, $"off{epochs}{miniBatches}")));
            }

            offPolicy.Metrics.ShouldAllBe(m => m["clip_fraction"] > 0, $"{epochs} epochs x {miniBatches} mini-batches");
            offPolicy.Metrics.ShouldAllBe(m => Math.Abs(m["clip_fraction_low"] + m["clip_fraction_high"] - m["clip_fraction"]) < 1e-6);
            offPolicy.Metrics.ShouldAllBe(m => double.IsFinite(m["loss"]));
        }
    }

    [Fact]
    public async Task Steps_leave_no_native_tensor_behind()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var reference = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new Recorder { CountTensors = true };
        await Trainer(policy, Options with { Steps = 5, KlCoefficient = 0.01, EntropyCoefficient = 0.001 }, new SevensReward(), reference, observer)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "leak")));

        // After the first step the optimizer's state exists; from then on every step must free what it made.
        observer.LiveTensors.Count.ShouldBe(5);
        observer.LiveTensors.Skip(1).ShouldAllBe(n => n == observer.LiveTensors[1], $"live tensors after each step: {string.Join(", ", observer.LiveTensors)}");
    }

    [Fact]
    public async Task Validation_decodes_held_out_prompts_greedily_before_training_and_every_n_steps()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new Recorder();
        var validation = Prompts.Take(3).Select(p => p with { Id = "v" + p.Id }).ToList();
        var reward = new CountingReward();
        var result = await Trainer(policy, Options with { Steps = 5, EvalEverySteps = 2 }, reward, observer: observer)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "val")), validation: validation);

        // before training (step 0), at steps 2 and 4, and at the end (step 5); the verifier scores 1 on every sample here
        observer.Messages.ShouldContain(m => m.Contains("validation before training: val_accuracy 100.0", StringComparison.Ordinal));
        observer.Metrics.Select(m => m.ContainsKey("val_accuracy")).ShouldBe([false, true, false, true, true]);
        var series = TrainerState.Load(result.CheckpointPath).Series["val_accuracy"];
        series.Select(v => v.Step).ShouldBe([0L, 2, 4, 5]);
        series.ShouldAllBe(v => v.Value == 1.0);
        // each validation decodes the 3 prompts once, greedily; the rest are the 5 steps' rollouts
        reward.Calls.ShouldBe((4 * 3) + (5 * Options.PromptsPerStep * Options.GroupSize));
    }

    [Fact]
    public async Task A_preemption_during_validation_skips_it_and_saves_the_step()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var cts = new CancellationTokenSource();
        var validation = Prompts.Take(3).Select(p => p with { Id = "v" + p.Id }).ToList();
        // 3 validation calls before training, 32 rollouts in step 1, then cancel while scoring step 2's rollouts: the
        // update finishes, the validation due at step 2 is cancelled, and the loop saves step 2 as preempted.
        var reward = new CountingReward { CancelAtCall = (3 + 32 + 1, cts) };
        var result = await Trainer(policy, Options with { Steps = 5, EvalEverySteps = 2 }, reward)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "preempt")), cancellationToken: cts.Token, validation: validation);

        result.Preempted.ShouldBeTrue();
        result.Step.ShouldBe(2);
        TrainerState.Load(result.CheckpointPath).Series["val_accuracy"].Select(v => v.Step).ShouldBe([0L]);
    }

    [Fact]
    public async Task A_preemption_during_the_rollouts_abandons_the_step_and_saves_the_last_completed_one()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var cts = new CancellationTokenSource();
        // Step 1 scores 32 rollouts; SIGTERM arrives while step 2's are scored and the verifier honours it.
        var reward = new CountingReward { CancelAtCall = (32 + 5, cts), ThrowWhenCancelled = true };
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "rollout-preempt"));
        var result = await Trainer(policy, Options with { Steps = 5 }, reward).TrainAsync(Prompts, checkpoints, cancellationToken: cts.Token);

        result.Preempted.ShouldBeTrue();
        result.Step.ShouldBe(1);
        result.CheckpointPath.ShouldBe(checkpoints.Latest());
        CheckpointManager.StepOf(result.CheckpointPath).ShouldBe(1);
        TrainerState.Load(result.CheckpointPath).DataCursor.ShouldBe(Options.PromptsPerStep, "step 2's prompts are drawn again on resume");
    }

    [Fact]
    public async Task Without_validation_prompts_no_validation_runs()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new Recorder();
        await Trainer(policy, Options with { Steps = 2, EvalEverySteps = 1 }, new ConstantReward(), observer: observer)
            .TrainAsync(Prompts, new CheckpointManager(Path.Combine(_dir.Path, "noval")));
        observer.Metrics.ShouldAllBe(m => !m.ContainsKey("val_accuracy"));
    }

    [Fact]
    public async Task Weights_that_are_not_finite_stop_the_run_and_the_last_good_checkpoint_is_kept()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new Recorder { AfterStep = (2, () => { using var noGrad = TorchOps.NoGrad(); policy.Body.Norm.Weight.FillInPlace(double.NaN); }) };
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "diverged"), keep: 5);

        var e = await Should.ThrowAsync<TrainingDivergedException>(() => Trainer(policy, Options with { Steps = 4, SaveEverySteps = 1 }, new SevensReward(), observer: observer).TrainAsync(Prompts, checkpoints));

        e.Step.ShouldBe(2);
        e.Message.ShouldContain("weights are not finite after step 2");
        e.KeptCheckpoint.ShouldBe(checkpoints.PathFor(1));
        checkpoints.Names().ShouldBe(["checkpoint-000001"]);
    }

    [Fact]
    public void A_kl_penalty_without_a_reference_model_is_rejected()
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        Should.Throw<ArgumentException>(() => Trainer(policy, Options with { KlCoefficient = 0.1 }, new SevensReward())).Message.ShouldContain("reference");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Fraction of the response's letters that fall in a–m: a dense, checkable reward that a random policy already earns
    /// about half of, so a few GRPO steps must move it.
    /// </summary>
    private sealed class SevensReward : IRewardFunction
    {
        public string Name => "first-half-letters";

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
        {
            var letters = input.Completion.Where(char.IsAsciiLetter).Select(char.ToLowerInvariant).ToList();
            return ValueTask.FromResult(new RewardResult(letters.Count == 0 ? 0 : letters.Count(c => c <= 'm') / (double)letters.Count));
        }
    }

    private sealed class CountingReward : IRewardFunction
    {
        private int _calls;

        public string Name => "counting";

        public int Calls => _calls;

        public (int Call, CancellationTokenSource Source)? CancelAtCall { get; init; }

        /// <summary>Throw once cancelled, as a verifier that honours its token does.</summary>
        public bool ThrowWhenCancelled { get; init; }

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == CancelAtCall?.Call)
            {
                CancelAtCall.Value.Source.Cancel();
            }

            if (ThrowWhenCancelled)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            return ValueTask.FromResult(new RewardResult(1));
        }
    }

    /// <summary>1 on every sample of an even-numbered prompt (p0, p2, ...); 0, 1, 0, 1, ... within an odd one's group.</summary>
    private sealed class HalfDegenerateReward : IRewardFunction
    {
        private int _calls;

        public string Name => "half-degenerate";

        public int Calls => _calls;

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            var even = int.Parse(input.Example.Id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0;
            return ValueTask.FromResult(new RewardResult(even ? 1 : call % 2));
        }
    }

    private sealed class ConstantReward : IRewardFunction
    {
        public string Name => "constant";

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken) => ValueTask.FromResult(new RewardResult(1));
    }

    private sealed class Recorder : ITrainingObserver
    {
        public List<IReadOnlyDictionary<string, double>> Metrics { get; } = [];

        public List<string> Messages { get; } = [];

        public (long Step, CancellationTokenSource Source)? CancelAt { get; init; }

        public (long Step, Action Action)? AfterStep { get; init; }

        public bool CountTensors { get; init; }

        public List<long> LiveTensors { get; } = [];

        /// <summary>Read after every step into <see cref="Probes"/>.</summary>
        public Func<int>? Probe { get; init; }

        public List<int> Probes { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            Metrics.Add(metrics);
            if (Probe is not null)
            {
                Probes.Add(Probe());
            }

            if (CountTensors)
            {
                LiveTensors.Add(TorchOps.LiveTensorCount);
            }

            if (CancelAt is { } c && c.Step == step)
            {
                c.Source.Cancel();
            }

            if (AfterStep is { } a && a.Step == step)
            {
                a.Action();
            }
        }

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message) => Messages.Add(message);
    }
}
