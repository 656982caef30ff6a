using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Sft;

public sealed class SftTrainerTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-sft-");

    private static float MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    private static SftOptions Options => new() { MaxSteps = 6, BatchSize = 4, MicroBatchSize = 4, LearningRate = 3e-3, Schedule = LrSchedule.Cosine, WarmupSteps = 1, Seed = 5 };

    [Fact]
    public void Packed_and_padded_batches_give_the_loss_of_each_sequence_scored_alone()
    {
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var sequences = SftFixtures.Sequences(6);

        // The reference needs neither padding nor packing: each sequence alone in a batch of one, token-mean over all.
        var alone = new SftTrainer(model, Options with { Packing = false, MicroBatchSize = 1, BatchSize = 1 }, SftFixtures.PadId);
        var reference = sequences.Sum(s => alone.ValidationLoss([s]) * s.TargetCount) / sequences.Sum(s => s.TargetCount);

        var padded = new SftTrainer(model, Options with { Packing = false }, SftFixtures.PadId).ValidationLoss(sequences);
        var packing = new SftTrainer(model, Options with { Packing = true, MaxSequenceLength = 256 }, SftFixtures.PadId);
        padded.ShouldBe(reference, 1e-5);
        packing.ValidationLoss(sequences).ShouldBe(reference, 1e-5);

        // The trainer really packs: a row shorter than the longest sequence cannot hold it, which only packing refuses.
        var tooShort = sequences.Max(s => s.Length) - 1;
        Should.Throw<ArgumentException>(() => new SftTrainer(model, Options with { Packing = true, MaxSequenceLength = tooShort }, SftFixtures.PadId).ValidationLoss(sequences))
            .Message.ShouldContain("does not fit a packed row");
        new SftTrainer(model, Options with { Packing = false, MaxSequenceLength = tooShort }, SftFixtures.PadId).ValidationLoss(sequences).ShouldBe(reference, 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_loss_equals_the_masked_cross_entropy_over_every_positions_logits(bool packing)
    {
        // The trainer projects only labelled positions onto the vocabulary; the reference projects every position and
        // lets cross-entropy's ignore index mask the rest, as the trainer did before issue 22.
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var sequences = SftFixtures.Sequences(6);
        var trainer = new SftTrainer(model, Options with { Packing = packing, MaxSequenceLength = 256 }, SftFixtures.PadId);

        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        using var batch = packing ? TrainingBatch.Packed(sequences, 256, SftFixtures.PadId) : TrainingBatch.Padded(sequences, SftFixtures.PadId);
        var logits = packing
            ? model.ForwardWithPositions(batch.InputIds, batch.PositionIds!, batch.PackedMask!)
            : model.Forward(batch.InputIds, batch.AttentionMask);
        var masked = Functional.CrossEntropy(logits.View(-1, logits.Shape[^1]), batch.Targets.View(-1), Reduction.Sum, TokenizedSequence.Ignore).Item<float>();

        trainer.ValidationLoss(sequences).ShouldBe(masked / sequences.Sum(s => s.TargetCount), 1e-5);
    }

    [Fact]
    public void A_packed_batch_shares_rows_restarts_positions_and_keeps_documents_apart()
    {
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var sequences = SftFixtures.Sequences(6);
        using var packed = TrainingBatch.Packed(sequences, 256, SftFixtures.PadId);

        // First-fit in order, computed here from the lengths alone.
        var rowsUsed = new List<int>();
        foreach (var s in sequences)
        {
            var row = rowsUsed.FindIndex(u => u + s.Length <= 256);
            if (row < 0)
            {
                rowsUsed.Add(s.Length);
            }
            else
            {
                rowsUsed[row] += s.Length;
            }
        }

        rowsUsed.Count.ShouldBeLessThan(sequences.Count, "six short sequences share rows of 256");
        packed.InputIds.Shape.ShouldBe([rowsUsed.Count, rowsUsed.Max()]);
        var positions = packed.PositionIds!.ToArray<long>();
        positions.Count(p => p == 0).ShouldBeGreaterThanOrEqualTo(sequences.Count, "each document starts again at position 0");

        // The packed loss is the sum of the sequences' losses taken one at a time: no token sees another document.
        double LossSum(TrainingBatch batch)
        {
            using var scope = TorchScope.NewDisposeScope();
            using var noGrad = TorchOps.NoGrad();
            var logits = batch.PositionIds is not null ? model.ForwardWithPositions(batch.InputIds, batch.PositionIds, batch.PackedMask!) : model.Forward(batch.InputIds, batch.AttentionMask);
            return Functional.CrossEntropy(logits.View(-1, logits.Shape[^1]), batch.Targets.View(-1), Reduction.Sum, TokenizedSequence.Ignore).Item<float>();
        }

        var reference = sequences.Sum(s =>
        {
            using var one = TrainingBatch.Padded([s], SftFixtures.PadId);
            return LossSum(one);
        });
        LossSum(packed).ShouldBe(reference, reference * 1e-5);
    }

    [Fact]
    public void Varlen_and_padded_batches_give_the_same_loss_and_gradients()
    {
        // The varlen layout (CPU float32's default) runs one row of real tokens with per-sequence attention; padded rows
        // with a mask are the reference. Same loss, same gradient for every parameter, to float rounding.
        using var model = new CausalLanguageModel(BuiltinModels.Tiny(SftFixtures.Tokenizer), seed: 1);
        var sequences = SftFixtures.Sequences(12);
        sequences.Select(s => s.Length).Distinct().Count().ShouldBeGreaterThan(1, "the padded batch pads");
        new SftTrainer(model, Options, SftFixtures.PadId).UsesVarlen.ShouldBeTrue();

        (float Loss, float[][] Grads) LossAndGrads(TrainingBatch batch)
        {
            using var scope = TorchScope.NewDisposeScope();
            foreach (var p in model.Parameters())
            {
                p.Grad = null;
            }

            var hidden = batch.CuSeqlens is not null
                ? model.HiddenStatesVarlen(batch.InputIds, batch.PositionIds!, batch.CuSeqlens)
                : model.HiddenStates(batch.InputIds, batch.AttentionMask);
            var logits = Functional.Linear(hidden, model.OutputWeight);
            // The trainer's token mean.
            var loss = Functional.CrossEntropy(logits.View(-1, logits.Shape[^1]), batch.Targets.View(-1), Reduction.Sum, TokenizedSequence.Ignore) / batch.TargetCount;
            loss.Backward();
            return (loss.Item<float>(), [.. model.Parameters().Select(p => p.Grad!.ToArray<float>())]);
        }

        using var padded = TrainingBatch.Padded(sequences, SftFixtures.PadId);
        using var varlen = TrainingBatch.Varlen(sequences);
        varlen.InputIds.Shape.ShouldBe([1L, sequences.Sum(s => s.Length)]);
        varlen.CuSeqlens!.ToArray<long>()[^1].ShouldBe(sequences.Sum(s => s.Length));
        var reference = LossAndGrads(padded);
        var result = LossAndGrads(varlen);
        result.Loss.ShouldBe(reference.Loss, Math.Abs(reference.Loss) * 1e-5);
        for (var i = 0; i < reference.Grads.Length; i++)
        {
            MaxAbsDifference(result.Grads[i], reference.Grads[i]).ShouldBeLessThan(1e-5f, $"parameter {i}");
        }
    }

    [Fact]
    public void Varlen_and_padded_training_steps_give_the_same_losses()
    {
        var sequences = SftFixtures.Sequences(8);
        double[] Run(bool varlen)
        {
            using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            var observer = new RecordingObserver();
            new SftTrainer(model, Options with { MaxSteps = 3 }, SftFixtures.PadId, observer: observer) { UseVarlen = varlen }
                .Train(sequences, [], new CheckpointManager(Path.Combine(_dir.Path, $"varlen-{varlen}")));
            return [.. observer.Losses];
        }

        var padded = Run(false);
        var varlen = Run(true);
        varlen.Length.ShouldBe(3);
        for (var i = 0; i < padded.Length; i++)
        {
            varlen[i].ShouldBe(padded[i], 1e-5);
        }
    }

    [Fact]
    public void Gradient_accumulation_over_micro_batches_equals_one_big_batch()
    {
        var sequences = SftFixtures.Sequences(8);
        sequences.Take(4).Select(s => s.Length).Distinct().Count().ShouldBeGreaterThan(1, "a whole batch of these needs padding");
        (double[] Losses, float[] Weights) Run(int batch, int micro, int padId)
        {
            using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            var observer = new RecordingObserver();
            // Padded rows, not the varlen layout (which never pads): the bad pad id below must reach a forward pass.
            new SftTrainer(model, Options with { MaxSteps = 3, BatchSize = batch, MicroBatchSize = micro }, padId, observer: observer) { UseVarlen = false }
                .Train(sequences, [], new CheckpointManager(Path.Combine(_dir.Path, $"acc{batch}-{micro}-{padId}")));
            return ([.. observer.Losses], [.. model.Parameters().SelectMany(p => p.ToArray<float>())]);
        }

        var whole = Run(4, 4, SftFixtures.PadId);
        // A pad id outside the vocabulary fails any forward pass that pads, so this run proves every pass held one
        // sequence (a batch of 4 unequal sequences pads); a trainer that ignored MicroBatchSize would throw here.
        var accumulated = Run(4, 1, padId: 1_000_000);
        Should.Throw<TorchException>(() => Run(4, 4, padId: 1_000_000));

        // Three optimizer steps each (one per 4 sequences, not one per micro-batch), same losses, same final weights.
        whole.Losses.Length.ShouldBe(3);
        accumulated.Losses.Length.ShouldBe(3);
        for (var i = 0; i < whole.Losses.Length; i++)
        {
            accumulated.Losses[i].ShouldBe(whole.Losses[i], 1e-5);
        }

        MaxDifference(accumulated.Weights, whole.Weights).ShouldBeLessThan(1e-5f);

        // The comparison is sensitive: three steps move the weights far more than the tolerance above.
        using var initial = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        MaxDifference([.. initial.Parameters().SelectMany(p => p.ToArray<float>())], whole.Weights).ShouldBeGreaterThan(1e-3f);

        static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }

    [Fact]
    public void A_run_stopped_at_step_3_and_resumed_reproduces_the_uninterrupted_losses()
    {
        var sequences = SftFixtures.Sequences(10);
        var options = Options with { SaveEverySteps = 2 };

        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            new SftTrainer(model, options, SftFixtures.PadId).Train(sequences, [], new CheckpointManager(Path.Combine(_dir.Path, "straight")));
        }

        var straight = TrainerState.Load(new CheckpointManager(Path.Combine(_dir.Path, "straight")).Latest()!).Losses;

        var interrupted = new CheckpointManager(Path.Combine(_dir.Path, "interrupted"));
        using (var cts = new CancellationTokenSource())
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            var observer = new RecordingObserver { CancelAt = (3, cts) };
            var first = new SftTrainer(model, options, SftFixtures.PadId, observer: observer).Train(sequences, [], interrupted, cancellationToken: cts.Token);
            first.Preempted.ShouldBeTrue();
            first.Step.ShouldBe(3);
        }

        // A fresh process: new model object with different initial weights, state comes from the checkpoint.
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 99))
        {
            var second = new SftTrainer(model, options, SftFixtures.PadId).Train(sequences, [], interrupted);
            second.Preempted.ShouldBeFalse();
            second.Step.ShouldBe(6);
        }

        var resumed = TrainerState.Load(interrupted.Latest()!).Losses;
        resumed.Select(l => l.Step).ShouldBe(straight.Select(l => l.Step));
        for (var i = 0; i < straight.Count; i++)
        {
            resumed[i].Value.ShouldBe(straight[i].Value, 1e-6, $"step {straight[i].Step}");
        }
    }

    [Theory]
    [InlineData(3L, 4L, 2L)] // weights poisoned between saves: step 4's loss is NaN; checkpoint 2 stays
    [InlineData(4L, 4L, 2L)] // poisoned right before a save: the save refuses them; checkpoint 2 stays
    public void Non_finite_loss_or_weights_stop_the_run_naming_the_step_and_keep_the_last_good_checkpoint(long poisonAfter, long failingStep, long keptStep)
    {
        var sequences = SftFixtures.Sequences(8);
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, $"nan{poisonAfter}"), keep: 5);
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var observer = new RecordingObserver { AfterStep = (poisonAfter, () => { using var noGrad = TorchOps.NoGrad(); model.Body.Norm.Weight.FillInPlace(double.NaN); }) };
        var e = Should.Throw<TrainingDivergedException>(() =>
            new SftTrainer(model, Options with { SaveEverySteps = 2 }, SftFixtures.PadId, observer: observer).Train(sequences, [], checkpoints));
        e.Step.ShouldBe(failingStep);
        e.Message.ShouldContain($"step {failingStep}");
        e.Message.ShouldContain($"The newest checkpoint, checkpoint-{keptStep:D6} (step {keptStep}), has finite weights and is kept");
        CheckpointManager.StepOf(checkpoints.Latest()!).ShouldBe(keptStep);
        using var reloaded = Checkpoints.HfCheckpoint.Load(checkpoints.Latest()!);
        reloaded.Body.Norm.Weight.IsFinite().All().Item<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Training_lowers_the_validation_loss()
    {
        var sequences = SftFixtures.Sequences(48);
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var trainer = new SftTrainer(model, Options with { MaxSteps = 30, BatchSize = 8, MicroBatchSize = 8, LearningRate = 1e-2 }, SftFixtures.PadId);
        var validation = sequences.Take(8).ToList();
        var before = trainer.ValidationLoss(validation);
        var result = trainer.Train(sequences.Skip(8).ToList(), validation, new CheckpointManager(Path.Combine(_dir.Path, "learn")));
        result.ValidationLoss!.Value.ShouldBeLessThan(before * 0.6);

        // The checkpoint keeps the curves the report draws: loss, and tokens per second for every step.
        var state = TrainerState.Load(result.CheckpointPath);
        state.Losses.Select(v => v.Step).ShouldBe(Enumerable.Range(1, 30).Select(i => (long)i));
        state.Series[SftTrainer.TokensPerSecond].Select(v => v.Step).ShouldBe(state.Losses.Select(v => v.Step));
        state.Series[SftTrainer.TokensPerSecond].ShouldAllBe(v => v.Value > 0 && double.IsFinite(v.Value));
    }

    [Fact]
    public void A_corrupt_newest_checkpoint_is_moved_aside_and_the_run_resumes_from_the_newest_intact_one()
    {
        var sequences = SftFixtures.Sequences(10);
        var options = Options with { SaveEverySteps = 2 };
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "corrupt"), keep: 3);
        using (var cts = new CancellationTokenSource())
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            new SftTrainer(model, options, SftFixtures.PadId, observer: new RecordingObserver { CancelAt = (4, cts) }).Train(sequences, [], checkpoints, cancellationToken: cts.Token);
        }

        checkpoints.Names().ShouldBe(["checkpoint-000002", "checkpoint-000004"]);
        var weights = Path.Combine(checkpoints.PathFor(4), "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]); // a disk that filled up mid-write, say
        // A save killed mid-write leaves a temporary folder behind.
        Directory.CreateDirectory(Path.Combine(checkpoints.OutputDirectory, ".tmp-checkpoint-000006-0123abcd"));

        var observer = new RecordingObserver();
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 99))
        {
            new SftTrainer(model, options, SftFixtures.PadId, observer: observer).Train(sequences, [], checkpoints).Step.ShouldBe(6);
        }

        observer.Messages.ShouldContain(m => m.StartsWith("removed 1 partial checkpoint folder(s)", StringComparison.Ordinal) && m.Contains(".tmp-checkpoint-000006-0123abcd", StringComparison.Ordinal));
        var fallback = observer.Messages.Single(m => m.StartsWith("checkpoint-000004 cannot be loaded", StringComparison.Ordinal));
        fallback.ShouldContain("model.safetensors");
        fallback.ShouldContain("moved aside to corrupt-checkpoint-000004");
        fallback.Length.ShouldBeLessThan(600, "one readable line, not a list of every missing tensor");
        observer.Messages.ShouldContain(m => m.StartsWith("resumed from ", StringComparison.Ordinal) && m.EndsWith("checkpoint-000002 at step 2", StringComparison.Ordinal));
        Directory.Exists(Path.Combine(checkpoints.OutputDirectory, "corrupt-checkpoint-000004")).ShouldBeTrue("kept for inspection");
        Directory.EnumerateDirectories(checkpoints.OutputDirectory, ".tmp-*").ShouldBeEmpty();
        checkpoints.Names().ShouldBe(["checkpoint-000002", "checkpoint-000004", "checkpoint-000006"]);
    }

    public void Dispose() => _dir.Dispose();

    private sealed class RecordingObserver : ITrainingObserver
    {
        public List<double> Losses { get; } = [];

        public (long Step, CancellationTokenSource Source)? CancelAt { get; init; }

        public (long Step, Action Action)? AfterStep { get; init; }

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            Losses.Add(metrics["loss"]);
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

        public List<string> Messages { get; } = [];

        public void OnMessage(string message) => Messages.Add(message);
    }
}
