using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Training;

/// <summary>
/// The skeleton SFT and RLVR share; each supplies only its step. It picks and validates the learning-rate schedule,
/// starts every rank from rank 0's weights, removes what a killed save left behind, resumes from the newest good
/// checkpoint (weights, LoRA adapter, optimizer, schedule position), and then runs steps until the end or a
/// preemption. Every step's loss and every saved checkpoint's weights must be finite (the divergence guard). Saves
/// come every <see cref="ILoopOptions.SaveEverySteps"/> and at the end; a preemption saves the step reached. With
/// several ranks only rank 0 writes, and every rank stops at the same step.
/// </summary>
public sealed class TrainingLoop
{
    private readonly CausalLanguageModel _model;
    private readonly IReadOnlyList<Parameter> _trainable;
    private readonly AdamW _optimizer;
    private readonly CheckpointManager _checkpoints;
    private readonly DataParallelGroup _ranks;
    private readonly ITrainingObserver _observer;
    private readonly ILoopOptions _options;
    private readonly long _updatesPerStep;
    private readonly Action<string>? _extraFiles;

    /// <summary>Creates the loop over <paramref name="totalSteps"/> steps of <paramref name="updatesPerStep"/> optimizer updates each.</summary>
    /// <param name="model">The model trained (and saved).</param>
    /// <param name="trainable">Its parameters the optimizer updates (checked for finiteness).</param>
    /// <param name="optimizer">The optimizer, whose state is saved and resumed.</param>
    /// <param name="checkpoints">Where checkpoints go and are resumed from.</param>
    /// <param name="ranks">The data-parallel ranks (one for a single process).</param>
    /// <param name="observer">Told of steps, checkpoints and messages.</param>
    /// <param name="options">The schedule, seed, resume and save settings.</param>
    /// <param name="totalSteps">Steps of the whole run.</param>
    /// <param name="updatesPerStep">Optimizer updates (schedule ticks) per step.</param>
    /// <param name="extraFiles">Writes extra files (the tokenizer) into each checkpoint folder.</param>
    public TrainingLoop(CausalLanguageModel model, IReadOnlyList<Parameter> trainable, AdamW optimizer, CheckpointManager checkpoints, DataParallelGroup ranks, ITrainingObserver observer, ILoopOptions options, long totalSteps, long updatesPerStep = 1, Action<string>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(ranks);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _model = model;
        _trainable = trainable;
        _optimizer = optimizer;
        _checkpoints = checkpoints;
        _ranks = ranks;
        _observer = observer;
        _options = options;
        _updatesPerStep = Math.Max(1, updatesPerStep);
        _extraFiles = extraFiles;
        TotalSteps = totalSteps;
        Scheduler = new LearningRateScheduler(optimizer, CreateSchedule(options.Schedule, options.WarmupSteps, totalSteps * _updatesPerStep), options.LearningRate);
    }

    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps completed so far (after <see cref="Start"/>: the resumed step).</summary>
    public long Step { get; private set; }

    /// <summary>The newest checkpoint this run saved or resumed from, if any.</summary>
    public string? LastSaved { get; private set; }

    /// <summary>The learning-rate schedule; a step that updates more than once ticks it itself.</summary>
    public LearningRateScheduler Scheduler { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    /// <param name="options">The options to check.</param>
    public static void Validate(ILoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Schedule))
        {
            throw new ArgumentException($"schedule must be constant, linear or cosine, got '{options.Schedule}'");
        }

        if (options.LearningRate <= 0 || double.IsNaN(options.LearningRate))
        {
            throw new ArgumentException($"learningRate must be > 0, got {options.LearningRate}");
        }

        if (options.WarmupSteps < 0 || options.SaveEverySteps < 0)
        {
            throw new ArgumentException($"warmupSteps ({options.WarmupSteps}) and saveEverySteps ({options.SaveEverySteps}) must be >= 0");
        }
    }

    /// <summary>The schedule <paramref name="kind"/> names, with linear warmup, over <paramref name="totalUpdates"/> updates.</summary>
    /// <param name="kind">Constant, linear or cosine.</param>
    /// <param name="warmupUpdates">Updates of linear warmup.</param>
    /// <param name="totalUpdates">Updates of the whole run.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule CreateSchedule(LrSchedule kind, long warmupUpdates, long totalUpdates) => kind switch
    {
        LrSchedule.Constant => LearningRateSchedule.Constant(warmupUpdates),
        LrSchedule.Linear => LearningRateSchedule.Linear(warmupUpdates, totalUpdates),
        LrSchedule.Cosine => LearningRateSchedule.Cosine(warmupUpdates, totalUpdates),
        _ => throw new ArgumentException($"schedule must be constant, linear or cosine, got '{kind}'", nameof(kind)),
    };

    /// <summary>
    /// Starts every rank from rank 0's weights, removes partial checkpoint folders, and resumes from the newest good
    /// checkpoint when <see cref="ILoopOptions.Resume"/> is set (one that fails to load is moved aside and the next
    /// older tried). Returns the resumed state, from which the trainer restores its own series, or null for a fresh run.
    /// </summary>
    /// <returns>The resumed trainer state, or null.</returns>
    public TrainerState? Start()
    {
        _ranks.BroadcastParameters(_model);
        if (_ranks.IsWriter && _checkpoints.RemoveLeftovers() is { Count: > 0 } leftovers)
        {
            _observer.OnMessage($"removed {leftovers.Count} partial checkpoint folder(s) a killed save left behind: {string.Join(", ", leftovers)}");
        }

        TrainerState? resumedState = null;
        if (_options.Resume && _checkpoints.LoadNewest(Load, _observer.OnMessage, moveAside: _ranks.IsWriter) is { } resumed)
        {
            (LastSaved, resumedState) = resumed;
            Step = resumedState.Step;
            Scheduler.SetStep(Step * _updatesPerStep);
            _observer.OnMessage($"resumed from {LastSaved} at step {Step}");
        }

        _ranks.AgreeOnStep(Step);
        return resumedState;
    }

    /// <summary>
    /// Runs steps until <see cref="TotalSteps"/> or a preemption. <paramref name="step"/> receives the number of the step
    /// it takes (1-based) and returns its outcome, or null when cancellation abandoned it (the trainer first puts back
    /// what the abandoned step consumed). <paramref name="state"/> gives the trainer state to save at a step.
    /// </summary>
    /// <param name="step">Takes one step.</param>
    /// <param name="state">The state saved with a checkpoint at the given step.</param>
    /// <param name="cancellationToken">Preemption: the loop stops between steps and saves.</param>
    /// <returns>The step reached, its checkpoint, and whether the run was preempted.</returns>
    /// <exception cref="TrainingDivergedException">A loss or the weights to be saved are not finite.</exception>
    public async Task<TrainingLoopResult> RunAsync(Func<long, CancellationToken, ValueTask<StepOutcome?>> step, Func<long, TrainerState> state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(state);
        while (Step < TotalSteps)
        {
            // Every rank stops at the same step, or collectives would mismatch.
            var outcome = _ranks.AnyRank(cancellationToken.IsCancellationRequested) ? null : await step(Step + 1, cancellationToken).ConfigureAwait(false);
            if (outcome is null)
            {
                _observer.OnMessage($"cancelled at step {Step}; saving a checkpoint");
                var path = LastSaved is not null && CheckpointManager.StepOf(LastSaved) == Step ? LastSaved : Save(state);
                return new TrainingLoopResult(Step, path, Preempted: true);
            }

            if (outcome.Loss is { } loss && !double.IsFinite(loss))
            {
                throw new TrainingDivergedException(Step + 1, $"loss is {loss} at step {Step + 1}", _checkpoints.Latest());
            }

            Step++;
            _observer.OnStep(Step, TotalSteps, outcome.Metrics);
            if (Step == TotalSteps || (_options.SaveEverySteps > 0 && Step % _options.SaveEverySteps == 0))
            {
                Save(state);
            }
        }

        return new TrainingLoopResult(Step, LastSaved ?? Save(state), Preempted: false);
    }

    /// <summary>True when every one of <paramref name="parameters"/> holds only finite values.</summary>
    /// <param name="parameters">The parameters to check.</param>
    /// <returns>Whether all are finite.</returns>
    public static bool AllFinite(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        return parameters.All(p => p.IsFinite().All().Item<bool>());
    }

    private TrainerState Load(string checkpoint)
    {
        var state = TrainerState.Load(checkpoint);
        HfCheckpoint.LoadWeights(_model, checkpoint);
        if (File.Exists(Path.Combine(checkpoint, Lora.WeightsFile)))
        {
            Lora.LoadAdapterWeights(_model, checkpoint); // LoRA runs keep their adapter beside the frozen base
        }

        if (!AllFinite(_trainable))
        {
            throw new CheckpointException($"{checkpoint}: weights are not finite");
        }

        _optimizer.Load(Path.Combine(checkpoint, CheckpointManager.OptimizerFile));
        return state;
    }

    private string Save(Func<long, TrainerState> state)
    {
        // A checkpoint is only "good" if its weights are: an update can overflow them while the loss was finite.
        if (!AllFinite(_trainable))
        {
            throw new TrainingDivergedException(Step, $"weights are not finite after step {Step}", _checkpoints.Latest());
        }

        // Ranks hold identical weights and optimizer state, so one copy is enough: rank 0 writes it, and the others wait
        // until it is complete (they may read it right after, e.g. the worker's result).
        var path = _ranks.IsWriter ? _checkpoints.Save(_model, state(Step), _optimizer, _extraFiles) : _checkpoints.PathFor(Step);
        _ranks.Barrier();
        LastSaved = path;
        _observer.OnCheckpoint(Step, path);
        return path;
    }
}
