using System.Diagnostics;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
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
    /// <summary>The metric (and the checkpointed series) of training tokens processed per second of a step.</summary>
    public const string TokensPerSecond = "tokens_per_second";

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
        var loop = new TrainingLoop(_model, trainable, optimizer, checkpoints, _ranks, _observer, _options, totalSteps, extraFiles: extraFiles);
        _model.GradientCheckpointing = _compute.GradientCheckpointing;
        var resumed = loop.Start();
        var losses = new List<StepValue>(resumed?.Losses ?? []);
        var validationLosses = new List<StepValue>(resumed?.ValidationLosses ?? []);
        var throughput = new List<StepValue>(resumed?.Series.GetValueOrDefault(TokensPerSecond) ?? []);
        var lastLoss = losses.Count > 0 ? losses[^1].Value : double.NaN;
        double? lastValidation = validationLosses.Count > 0 ? validationLosses[^1].Value : null;
        var order = new EpochOrder(train.Count, _options.Seed);
        _model.Train();

        ValueTask<StepOutcome?> Step(long step, CancellationToken _)
        {
            var clock = Stopwatch.StartNew();
            var batch = Enumerable.Range(0, _options.BatchSize).Select(j => train[order.At(((step - 1) * _options.BatchSize) + j)]).ToList();
            var (loss, tokens, gradNorm) = Accumulate(batch, trainable, step - 1);
            var metrics = new Dictionary<string, double> { ["loss"] = loss };
            if (!double.IsFinite(loss))
            {
                return ValueTask.FromResult<StepOutcome?>(new StepOutcome(loss, metrics)); // the loop stops before an update
            }

            var learningRate = optimizer.LearningRate;
            optimizer.Step();
            optimizer.ZeroGrad();
            loop.Scheduler.Step();
            lastLoss = loss;
            losses.Add(new StepValue(step, loss));
            metrics["learning_rate"] = learningRate;
            metrics["grad_norm"] = gradNorm;
            metrics[TokensPerSecond] = tokens / clock.Elapsed.TotalSeconds;
            throughput.Add(new StepValue(step, metrics[TokensPerSecond]));
            metrics["step_seconds"] = clock.Elapsed.TotalSeconds;
            if (validation.Count > 0 && (step == totalSteps || (_options.EvalEverySteps > 0 && step % _options.EvalEverySteps == 0)))
            {
                lastValidation = ValidationLoss(validation);
                validationLosses.Add(new StepValue(step, lastValidation.Value));
                metrics["validation_loss"] = lastValidation.Value;
            }

            return ValueTask.FromResult<StepOutcome?>(new StepOutcome(loss, metrics));
        }

        TrainerState State(long step) => new()
        {
            Step = step,
            TotalSteps = totalSteps,
            Seed = _options.Seed,
            Losses = [.. losses],
            ValidationLosses = [.. validationLosses],
            Series = new Dictionary<string, IReadOnlyList<StepValue>>(StringComparer.Ordinal) { [TokensPerSecond] = [.. throughput] },
        };

        // Every step completes synchronously, so the loop's task has finished when RunAsync returns.
        var result = loop.RunAsync(Step, State, cancellationToken).GetAwaiter().GetResult();
        return new SftResult(result.Step, lastLoss, lastValidation, result.Checkpoint, result.Preempted);
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

    /// <summary>
    /// Whether unpacked micro-batches run as one row of real tokens with per-sequence attention
    /// (<see cref="TrainingBatch.Varlen"/>) instead of padded rows: float32 on the CPU without autocast, where the model
    /// supports it. The loss is the same masked cross-entropy, to float rounding; no compute is spent on padding.
    /// </summary>
    internal bool UsesVarlen => UseVarlen && _compute.MixedPrecision is null && _model.SupportsVarlen(_compute.Device);

    /// <summary>Allows the varlen layout where it applies (default); false keeps padded rows (tests compare the two).</summary>
    internal bool UseVarlen { get; set; } = true;

    private TrainingBatch Collate(IReadOnlyList<TokenizedSequence> sequences) =>
        _options.Packing ? TrainingBatch.Packed(sequences, _options.MaxSequenceLength, _padTokenId, _compute.Device)
        : UsesVarlen ? TrainingBatch.Varlen(sequences, _compute.Device)
        : TrainingBatch.Padded(sequences, _padTokenId, _compute.Device);

    /// <summary>
    /// The summed cross-entropy of the batch's targets. Only positions that have a target are projected onto the
    /// vocabulary (prompt tokens and padding make most of an SFT batch, and the projection and its softmax are the
    /// widest matrices of a small model); the loss is the masked cross-entropy over every position, to float tolerance.
    /// </summary>
    private Tensor LossSum(TrainingBatch batch)
    {
        var hidden = batch.PositionIds is not null && batch.CuSeqlens is not null
            ? _model.HiddenStatesVarlen(batch.InputIds, batch.PositionIds, batch.CuSeqlens)
            : batch.PositionIds is not null && batch.PackedMask is not null
            ? _model.HiddenStatesWithPositions(batch.InputIds, batch.PositionIds, batch.PackedMask)
            : _model.HiddenStates(batch.InputIds, batch.AttentionMask);
        var width = hidden.Shape[^1];
        if (batch.Labelled.Shape[0] == 0)
        {
            // No targets: zero, still attached to the graph so backward runs as before.
            var all = Functional.Linear(hidden, _model.OutputWeight);
            return Functional.CrossEntropy(all.To(ScalarType.Float32).View(-1, all.Shape[^1]), batch.Targets.View(-1), Reduction.Sum, TokenizedSequence.Ignore);
        }

        var logits = Functional.Linear(hidden.Reshape(-1, width).IndexSelect(0, batch.Labelled), _model.OutputWeight);
        return Functional.CrossEntropy(logits.To(ScalarType.Float32), batch.Targets.View(-1).IndexSelect(0, batch.Labelled), Reduction.Sum, TokenizedSequence.Ignore);
    }
}
