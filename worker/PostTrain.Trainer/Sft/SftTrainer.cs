using System.Diagnostics;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Sft;

/// <summary>
/// The supervised fine-tuning loop: token-mean cross-entropy on assistant tokens, gradient accumulation, AdamW with a
/// warmup schedule, clipping, validation, checkpoints with exact resume, NaN detection, and data parallelism across
/// processes (each takes every WORLD_SIZE-th micro-batch; gradients are summed). With several processes every rank
/// resumes from the same output directory but only rank 0 writes checkpoints; the others wait for it at a barrier.
/// The model, its optimizer state and every batch live on <see cref="ComputeOptions.Device"/>; a step copies its
/// micro-batches in and reads one vector of scalars (loss, tokens, gradient norm) out.
/// </summary>
public sealed class SftTrainer
{
    private readonly CausalLanguageModel _model;
    private readonly SftOptions _options;
    private readonly int _padTokenId;
    private readonly DataParallelGroup _ranks;
    private readonly ITrainingObserver _observer;
    private readonly ComputeOptions _compute;

    /// <summary>
    /// Creates the trainer. <paramref name="group"/> is null for a single process; <paramref name="compute"/> (default:
    /// float32 on the CPU) names the device, which must already hold the model, and the precision.
    /// </summary>
    public SftTrainer(CausalLanguageModel model, SftOptions options, int padTokenId, ProcessGroup? group = null, ITrainingObserver? observer = null, ComputeOptions? compute = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _compute = compute ?? ComputeOptions.Cpu;
        if (model.OutputWeight.Device != _compute.Device)
        {
            throw new ArgumentException($"the model is on {model.OutputWeight.Device} but training runs on {_compute.Device}; move it first", nameof(model));
        }

        _model = model;
        _options = options;
        _padTokenId = padTokenId;
        _ranks = new DataParallelGroup(group, _compute.Device);
        _observer = observer ?? NullTrainingObserver.Instance;
    }

    /// <summary>Optimizer steps the run will take for <paramref name="trainCount"/> training sequences.</summary>
    public long TotalSteps(int trainCount) => _options.TotalSteps(trainCount);

    /// <summary>
    /// Trains on <paramref name="train"/>, evaluating on <paramref name="validation"/>, writing checkpoints through
    /// <paramref name="checkpoints"/>. Cancellation stops between steps, saves a checkpoint and returns with
    /// <see cref="SftResult.Preempted"/> set. <paramref name="extraFiles"/> adds files (the tokenizer) to each checkpoint.
    /// </summary>
    public SftResult Train(IReadOnlyList<TokenizedSequence> train, IReadOnlyList<TokenizedSequence> validation, CheckpointManager checkpoints, Action<string>? extraFiles = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (train.Count == 0)
        {
            throw new ArgumentException("the training set is empty", nameof(train));
        }

        var totalSteps = TotalSteps(train.Count);
        var trainable = _model.Parameters().Where(p => p.RequiresGrad).ToList();
        using var optimizer = new AdamW(trainable, _options.LearningRate, beta2: _options.Beta2, weightDecay: _options.WeightDecay);
        var scheduler = new LearningRateScheduler(optimizer, Schedule(totalSteps), _options.LearningRate);
        var losses = new List<StepValue>();
        var validationLosses = new List<StepValue>();
        long step = 0;

        _model.GradientCheckpointing = _compute.GradientCheckpointing;
        _ranks.BroadcastParameters(_model); // every rank starts from rank 0's weights

        if (_ranks.IsWriter && checkpoints.RemoveLeftovers() is { Count: > 0 } leftovers)
        {
            _observer.OnMessage($"removed {leftovers.Count} partial checkpoint folder(s) a killed save left behind: {string.Join(", ", leftovers)}");
        }

        if (_options.Resume && checkpoints.LoadNewest(Load, _observer.OnMessage, moveAside: _ranks.IsWriter) is { } resumed)
        {
            var (latest, state) = resumed;
            step = state.Step;
            scheduler.SetStep(step);
            losses.AddRange(state.Losses);
            validationLosses.AddRange(state.ValidationLosses);
            _observer.OnMessage($"resumed from {latest} at step {step}");
        }

        TrainerState Load(string checkpoint)
        {
            var state = TrainerState.Load(checkpoint);
            HfCheckpoint.LoadWeights(_model, checkpoint);
            if (File.Exists(Path.Combine(checkpoint, Lora.WeightsFile)))
            {
                Lora.LoadAdapterWeights(_model, checkpoint); // LoRA runs keep their adapter beside the frozen base
            }

            if (!AllFinite(trainable))
            {
                throw new CheckpointException($"{checkpoint}: weights are not finite");
            }

            optimizer.Load(Path.Combine(checkpoint, CheckpointManager.OptimizerFile));
            return state;
        }

        _ranks.AgreeOnStep(step);
        TrainerState State() => new() { Step = step, TotalSteps = totalSteps, Seed = _options.Seed, Losses = [.. losses], ValidationLosses = [.. validationLosses] };
        string Save()
        {
            // A checkpoint is only "good" if its weights are: an update can overflow them while the loss was finite.
            if (!AllFinite(trainable))
            {
                throw new TrainingDivergedException(step, $"weights are not finite after step {step}", checkpoints.Latest());
            }

            // Ranks hold identical weights and optimizer state, so one copy is enough: rank 0 writes it, and the
            // others wait until it is complete (they may read it right after, e.g. the worker's result).
            var path = _ranks.IsWriter ? checkpoints.Save(_model, State(), optimizer, extraFiles) : checkpoints.PathFor(step);
            _ranks.Barrier();
            return path;
        }

        var lastSaved = step > 0 ? checkpoints.Latest() : null;
        var lastLoss = losses.Count > 0 ? losses[^1].Value : double.NaN;
        double? lastValidation = validationLosses.Count > 0 ? validationLosses[^1].Value : null;
        var order = new EpochOrder(train.Count, _options.Seed);
        _model.Train();
        while (step < totalSteps)
        {
            if (_ranks.AnyRank(cancellationToken.IsCancellationRequested)) // every rank stops at the same step, or collectives would mismatch
            {
                _observer.OnMessage($"cancelled at step {step}; saving a checkpoint");
                var path = lastSaved is not null && step == CheckpointManager.StepOf(lastSaved) ? lastSaved : Save();
                return new SftResult(step, lastLoss, lastValidation, path, Preempted: true);
            }

            var clock = Stopwatch.StartNew();
            var batch = Enumerable.Range(0, _options.BatchSize).Select(j => train[order.At((step * _options.BatchSize) + j)]).ToList();
            var (loss, tokens, gradNorm) = Accumulate(batch, trainable, step);
            if (!double.IsFinite(loss))
            {
                throw new TrainingDivergedException(step + 1, $"loss is {loss} at step {step + 1}", checkpoints.Latest());
            }

            var learningRate = optimizer.LearningRate;
            optimizer.Step();
            optimizer.ZeroGrad();
            scheduler.Step();
            step++;
            lastLoss = loss;
            losses.Add(new StepValue(step, loss));

            var metrics = new Dictionary<string, double>
            {
                ["loss"] = loss,
                ["learning_rate"] = learningRate,
                ["grad_norm"] = gradNorm,
                ["tokens_per_second"] = tokens / clock.Elapsed.TotalSeconds,
                ["step_seconds"] = clock.Elapsed.TotalSeconds,
            };
            var evaluate = validation.Count > 0 && (step == totalSteps || (_options.EvalEverySteps > 0 && step % _options.EvalEverySteps == 0));
            if (evaluate)
            {
                lastValidation = ValidationLoss(validation);
                validationLosses.Add(new StepValue(step, lastValidation.Value));
                metrics["validation_loss"] = lastValidation.Value;
            }

            _observer.OnStep(step, totalSteps, metrics);
            if (step == totalSteps || (_options.SaveEverySteps > 0 && step % _options.SaveEverySteps == 0))
            {
                lastSaved = Save();
                _observer.OnCheckpoint(step, lastSaved);
            }
        }

        return new SftResult(step, lastLoss, lastValidation, lastSaved ?? Save(), Preempted: false);
    }

    /// <summary>Token-mean loss over <paramref name="sequences"/> without gradients, in micro-batches.</summary>
    public double ValidationLoss(IReadOnlyList<TokenizedSequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var wasTraining = _model.Training;
        _model.Eval();
        try
        {
            using var noGrad = TorchOps.NoGrad();
            using var scope = TorchScope.NewDisposeScope();
            var sum = TorchOps.Zeros([], ScalarType.Float64, _compute.Device);
            long count = 0;
            foreach (var chunk in sequences.Chunk(_options.MicroBatchSize))
            {
                using var inner = TorchScope.NewDisposeScope();
                using var autocast = _compute.Autocast();
                using var batch = Collate(chunk);
                sum.AddInPlace(LossSum(batch).To(ScalarType.Float64));
                count += batch.TargetCount;
            }

            return count == 0 ? double.NaN : sum.Item<double>() / count; // one read for the whole set
        }
        finally
        {
            _model.Train(wasTraining);
        }
    }

    /// <summary>
    /// Forward and backward over this rank's micro-batches of <paramref name="batch"/>, gradients summed over ranks and
    /// clipped; returns the step's loss, token count and pre-clip gradient norm, read from the device in one copy.
    /// </summary>
    private (double Loss, long Tokens, double GradNorm) Accumulate(List<TokenizedSequence> batch, List<Parameter> trainable, long step)
    {
        TorchOps.ManualSeed(_options.Seed + (ulong)step); // dropout, if any, depends on the step only: resume stays exact
        var targetCount = Math.Max(1, batch.Sum(s => s.TargetCount));
        var micro = batch.Chunk(_options.MicroBatchSize).ToList();
        using var scope = TorchScope.NewDisposeScope();
        var loss = TorchOps.Zeros([], ScalarType.Float64, _compute.Device); // summed on the device: no read per micro-batch
        long tokens = 0;
        for (var m = _ranks.Rank; m < micro.Count; m += _ranks.WorldSize)
        {
            using var microScope = TorchScope.NewDisposeScope();
            Tensor partial;
            using (var forward = TorchScope.NewDisposeScope())
            using (_compute.Autocast())
            {
                using var collated = Collate(micro[m]);
                partial = forward.MoveToOuter(LossSum(collated) / targetCount);
                tokens += collated.TokenCount;
            }

            // The forward pass's intermediates are released before backward (autograd keeps what it saved), as
            // Python's reference counting does: peak memory is then the saved activations, not every temporary.
            partial.Backward();
            loss.AddInPlace(partial.Detach().To(ScalarType.Float64));
        }

        var totals = TorchOps.Stack([loss, TorchOps.Full([], tokens, ScalarType.Float64, _compute.Device)]);
        if (_ranks.IsDistributed)
        {
            _ranks.SumGradients(trainable); // one collective per dtype, not one per parameter
            _ranks.Sum(totals);
        }

        Tensor gradNorm;
        using (TorchOps.NoGrad())
        {
            gradNorm = GradientClipping.ClipGradNormTensor(trainable, _options.MaxGradNorm > 0 ? _options.MaxGradNorm : double.PositiveInfinity);
        }

        var values = TorchOps.Cat([totals, gradNorm.To(ScalarType.Float64).Unsqueeze(0)]).ToArray<double>();
        return (values[0], (long)values[1], values[2]);
    }

    private static bool AllFinite(IEnumerable<Parameter> parameters)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        return parameters.All(p => p.IsFinite().All().Item<bool>());
    }

    private TrainingBatch Collate(IReadOnlyList<TokenizedSequence> sequences) =>
        _options.Packing ? TrainingBatch.Packed(sequences, _options.MaxSequenceLength, _padTokenId, _compute.Device) : TrainingBatch.Padded(sequences, _padTokenId, _compute.Device);

    private Tensor LossSum(TrainingBatch batch)
    {
        var logits = batch.PositionIds is not null && batch.PackedMask is not null
            ? _model.ForwardWithPositions(batch.InputIds, batch.PositionIds, batch.PackedMask)
            : _model.Forward(batch.InputIds, batch.AttentionMask);
        var vocab = logits.Shape[^1];
        return Functional.CrossEntropy(logits.To(ScalarType.Float32).View(-1, vocab), batch.Targets.View(-1), Reduction.Sum, TokenizedSequence.Ignore);
    }

    private LearningRateSchedule Schedule(long totalSteps) => _options.Schedule switch
    {
        "constant" => LearningRateSchedule.Constant(_options.WarmupSteps),
        "linear" => LearningRateSchedule.Linear(_options.WarmupSteps, totalSteps),
        _ => LearningRateSchedule.Cosine(_options.WarmupSteps, totalSteps),
    };
}
