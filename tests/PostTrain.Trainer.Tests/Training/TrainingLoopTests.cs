using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Training;

/// <summary>The skeleton SFT and RLVR share, driven by a step of its own: resume, saves, preemption, the divergence guard, schedules.</summary>
public sealed class TrainingLoopTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-loop-");

    private sealed record LoopOptions : ILoopOptions
    {
        public double LearningRate { get; init; } = 1e-2;

        public LrSchedule Schedule { get; init; } = LrSchedule.Linear;

        public long WarmupSteps { get; init; }

        public ulong Seed { get; init; } = 7;

        public bool Resume { get; init; } = true;

        public long SaveEverySteps { get; init; }
    }

    /// <summary>One loop over a small model whose step is one AdamW update of the squared output weights.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly AdamW _optimizer;

        public Harness(string directory, LoopOptions options, long totalSteps, RecordingObserver? observer = null)
        {
            Model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            var trainable = Model.Parameters().Where(p => p.RequiresGrad).ToList();
            _optimizer = new AdamW(trainable, options.LearningRate);
            Observer = observer ?? new RecordingObserver();
            Checkpoints = new CheckpointManager(directory, keep: 10);
            Loop = new TrainingLoop(Model, trainable, _optimizer, Checkpoints, new DataParallelGroup(null, Device.Cpu), Observer, options, totalSteps);
        }

        public CausalLanguageModel Model { get; }

        public CheckpointManager Checkpoints { get; }

        public TrainingLoop Loop { get; }

        public RecordingObserver Observer { get; }

        public List<double> LearningRates { get; } = [];

        public ValueTask<StepOutcome?> Step(long step, CancellationToken cancellationToken)
        {
            using var scope = TorchScope.NewDisposeScope();
            var loss = (Model.OutputWeight * Model.OutputWeight).Sum();
            loss.Backward();
            LearningRates.Add(_optimizer.LearningRate);
            _optimizer.Step();
            _optimizer.ZeroGrad();
            Loop.Scheduler.Step();
            return ValueTask.FromResult<StepOutcome?>(new StepOutcome(loss.Item<float>(), new Dictionary<string, double> { ["step"] = step }));
        }

        public TrainerState State(long step) => new() { Step = step, TotalSteps = Loop.TotalSteps, Seed = 7, DataCursor = step * 10 };

        public void Dispose()
        {
            _optimizer.Dispose();
            Model.Dispose();
        }
    }

    [Fact]
    public async Task Saves_every_n_steps_and_at_the_end_and_reports_each_step_once()
    {
        using var run = new Harness(Path.Combine(_dir.Path, "saves"), new LoopOptions { SaveEverySteps = 2 }, totalSteps: 5);
        run.Loop.Start().ShouldBeNull();

        var result = await run.Loop.RunAsync(run.Step, run.State, CancellationToken.None);

        result.ShouldBe(new TrainingLoopResult(5, run.Checkpoints.PathFor(5), Preempted: false));
        run.Checkpoints.Names().ShouldBe(["checkpoint-000002", "checkpoint-000004", "checkpoint-000005"]);
        run.Observer.Steps.ShouldBe([1L, 2L, 3L, 4L, 5L]);
        run.Observer.Checkpoints.ShouldBe([2L, 4L, 5L]);
        TrainerState.Load(run.Checkpoints.PathFor(4)).DataCursor.ShouldBe(40);
    }

    [Fact]
    public async Task A_preempted_run_saves_the_step_reached_and_a_resumed_one_continues_with_the_same_schedule_and_weights()
    {
        var directory = Path.Combine(_dir.Path, "resume");
        var options = new LoopOptions { Schedule = LrSchedule.Cosine, WarmupSteps = 2 };
        List<double> straightRates;
        float[] straightWeights;
        using (var straight = new Harness(Path.Combine(_dir.Path, "straight"), options, totalSteps: 6))
        {
            straight.Loop.Start();
            await straight.Loop.RunAsync(straight.Step, straight.State, CancellationToken.None);
            straightRates = straight.LearningRates;
            straightWeights = straight.Model.OutputWeight.ToArray<float>();
        }

        using var cts = new CancellationTokenSource();
        using (var first = new Harness(directory, options, totalSteps: 6, new RecordingObserver { CancelAt = (3, cts) }))
        {
            first.Loop.Start();
            var preempted = await first.Loop.RunAsync(first.Step, first.State, cts.Token);
            preempted.ShouldBe(new TrainingLoopResult(3, first.Checkpoints.PathFor(3), Preempted: true));
            first.Observer.Messages.ShouldContain("cancelled at step 3; saving a checkpoint");
        }

        using var second = new Harness(directory, options, totalSteps: 6);
        second.Loop.Start()!.DataCursor.ShouldBe(30);
        second.Loop.Step.ShouldBe(3);
        second.Observer.Messages.ShouldContain(m => m.StartsWith("resumed from ", StringComparison.Ordinal) && m.EndsWith("at step 3", StringComparison.Ordinal));
        var result = await second.Loop.RunAsync(second.Step, second.State, CancellationToken.None);

        result.Step.ShouldBe(6);
        second.Observer.Steps.ShouldBe([4L, 5L, 6L]);
        second.LearningRates.ShouldBe(straightRates.Skip(3));
        second.Model.OutputWeight.ToArray<float>().ShouldBe(straightWeights);
    }

    [Fact]
    public async Task A_non_finite_loss_stops_the_run_naming_the_step_and_keeping_the_last_good_checkpoint()
    {
        using var run = new Harness(Path.Combine(_dir.Path, "nan"), new LoopOptions { SaveEverySteps = 2 }, totalSteps: 6);
        run.Loop.Start();
        ValueTask<StepOutcome?> Step(long step, CancellationToken token) =>
            step == 3 ? ValueTask.FromResult<StepOutcome?>(new StepOutcome(double.NaN, new Dictionary<string, double>())) : run.Step(step, token);

        var e = await Should.ThrowAsync<TrainingDivergedException>(() => run.Loop.RunAsync(Step, run.State, CancellationToken.None));

        e.Step.ShouldBe(3);
        e.Message.ShouldContain("loss is NaN at step 3");
        e.KeptCheckpoint.ShouldBe(run.Checkpoints.PathFor(2));
        run.Observer.Steps.ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task Weights_that_are_not_finite_are_never_saved()
    {
        using var run = new Harness(Path.Combine(_dir.Path, "weights"), new LoopOptions(), totalSteps: 2);
        run.Loop.Start();
        ValueTask<StepOutcome?> Step(long step, CancellationToken token)
        {
            using var noGrad = TorchOps.NoGrad();
            run.Model.OutputWeight.FillInPlace(double.PositiveInfinity);
            return ValueTask.FromResult<StepOutcome?>(new StepOutcome(null, new Dictionary<string, double> { ["step"] = step })); // no update: no loss to check
        }

        var e = await Should.ThrowAsync<TrainingDivergedException>(() => run.Loop.RunAsync(Step, run.State, CancellationToken.None));

        e.Message.ShouldContain("weights are not finite after step 2");
        run.Checkpoints.Names().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(LrSchedule.Constant, new[] { 0.5, 1.0, 1.0, 1.0 })]
    [InlineData(LrSchedule.Linear, new[] { 0.5, 1.0, 2.0 / 3, 1.0 / 3 })]
    [InlineData(LrSchedule.Cosine, new[] { 0.5, 1.0, 0.75, 0.25 })]
    public void Each_schedule_warms_up_then_follows_its_curve(LrSchedule kind, double[] factors)
    {
        // Hand-checked: warmup 2 gives 0/2, 1/2 at steps 0 and 1; then over the 3 steps from 2 to 5, linear falls by a third
        // each step and cosine follows (1 + cos(pi * t / 3)) / 2 = 1, 0.75, 0.25.
        var schedule = TrainingLoop.CreateSchedule(kind, warmupUpdates: 2, totalUpdates: 5);
        Enumerable.Range(1, 4).Select(s => schedule.Factor(s)).ToArray().ShouldBe(factors, tolerance: 1e-12);
    }

    [Fact]
    public void Options_out_of_range_are_refused_for_both_trainers_alike()
    {
        Should.Throw<ArgumentException>(() => TrainingLoop.Validate(new LoopOptions { Schedule = (LrSchedule)9 })).Message.ShouldContain("schedule must be constant, linear or cosine");
        Should.Throw<ArgumentException>(() => new SftOptions { Schedule = (LrSchedule)9 }.Validate()).Message.ShouldContain("schedule must be");
        Should.Throw<ArgumentException>(() => new PostTrain.Trainer.Rl.RlvrOptions { Schedule = (LrSchedule)9 }.Validate()).Message.ShouldContain("schedule must be");
        Should.Throw<ArgumentException>(() => new PostTrain.Trainer.Rl.RlvrOptions { LearningRate = 0 }.Validate()).Message.ShouldContain("learningRate must be > 0");
        Should.Throw<ArgumentException>(() => new SftOptions { WarmupSteps = -1 }.Validate()).Message.ShouldContain("warmupSteps");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class RecordingObserver : ITrainingObserver
    {
        public (long Step, CancellationTokenSource Source)? CancelAt { get; init; }

        public List<long> Steps { get; } = [];

        public List<long> Checkpoints { get; } = [];

        public List<string> Messages { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            Steps.Add(step);
            metrics["step"].ShouldBe(step);
            if (CancelAt is { } c && c.Step == step)
            {
                c.Source.Cancel();
            }
        }

        public void OnCheckpoint(long step, string path) => Checkpoints.Add(step);

        public void OnMessage(string message) => Messages.Add(message);
    }
}
