using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>
/// Runs an SftJob on this machine: load, encode with assistant-only labels, train, checkpoint. With WORLD_SIZE &gt; 1 the
/// processes train data-parallel over a Gloo process group (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE); every rank
/// resumes from the job's output directory and rank 0 alone writes checkpoints there.
/// </summary>
public static class SftJobRunner
{
    /// <summary>Runs the job; cancellation saves a checkpoint and returns a Preempted outcome.</summary>
    public static async Task<JobOutcome> RunAsync(SftJob job, JobEnvironment env, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(env);
        var spec = job.Spec;
        var training = spec.Training;
        var seed = (ulong)spec.Seed;
        var output = env.JobOutputDirectory(job.Metadata.Name!, spec.Output);
        var checkpoints = new CheckpointManager(output, spec.Output.Keep);
        using var writer = await OutputFolder.PrepareAsync(job, env, checkpoints, spec.Resume, cancellationToken).ConfigureAwait(false);
        // The trained weights are the float32 master copy whatever the precision; bf16 is autocast compute.
        using var loaded = await env.Sources.LoadModelAsync(spec.Model.Source!, ModelDtype.Float32, seed, cancellationToken, spec.Model.Adapter).ConfigureAwait(false);
        var template = ChatTemplateKwargs.Apply(loaded.Template, spec.ChatTemplateKwargs);
        env.Progress.Message($"SftJob/{job.Metadata.Name}: chat template: {template.Description}");
        loaded.ApplyLora(training.Lora, seed);
        loaded.Model.To(env.Device);

        var examples = await env.Sources.LoadDatasetAsync(spec.Dataset, spec.Seed, env.Progress.Message, cancellationToken).ConfigureAwait(false);
        var encoder = new SftEncoder(loaded.Tokenizer, template, training.MaxSeqLength);
        var sequences = examples.Select(encoder.Encode).ToList();
        var validationFraction = sequences.Count >= 20 ? Math.Min(0.05, 256.0 / sequences.Count) : 0;
        var (train, validation) = validationFraction > 0 ? TrainValidationSplit.Split(sequences, validationFraction, (int)seed) : (sequences, []);

        var micro = training.MicroBatchSize ?? (training.GradientAccumulation is { } accumulation ? training.BatchSize / Math.Max(1, accumulation) : training.BatchSize);
        var options = new SftOptions
        {
            MaxSteps = training.MaxSteps ?? 0,
            Epochs = training.Epochs,
            BatchSize = training.BatchSize,
            MicroBatchSize = micro,
            LearningRate = training.LearningRate,
            Schedule = training.Schedule,
            WeightDecay = training.WeightDecay,
            MaxGradNorm = training.MaxGradNorm,
            MaxSequenceLength = training.MaxSeqLength,
            Packing = training.Packing,
            EvalEverySteps = training.EvalEverySteps,
            SaveEverySteps = spec.Output.SaveEverySteps,
            Seed = seed,
            Resume = spec.Resume == ResumePolicy.Auto,
        };
        var total = options.TotalSteps(train.Count);
        options = options with { WarmupSteps = training.WarmupSteps ?? (long)Math.Round((training.WarmupRatio ?? 0) * total) };

        var compute = env.Compute(training.Precision, training.GradientCheckpointing);
        env.Progress.Message($"SftJob/{job.Metadata.Name}: {train.Count} training and {validation.Count} validation sequences, {total} steps, {loaded.Model.ParameterCount():N0} parameters{(loaded.Lora is null ? string.Empty : $" (LoRA r={loaded.Lora.Rank})")}, {compute}, output {output}");
        var group = env.JoinGroup();
        if (group is not null)
        {
            env.Progress.Message($"SftJob/{job.Metadata.Name}: rank {group.Rank} of {group.WorldSize} (data parallel, {group.Backend})");
        }

        var sequenceLength = train.Max(s => s.Length);
        env.Progress.Message($"SftJob/{job.Metadata.Name}: {MemoryEstimate.ForTraining(loaded.Model, options.MicroBatchSize, options.Packing ? options.MaxSequenceLength : sequenceLength, compute)}");
        var trainer = new SftTrainer(loaded.Model, options, loaded.PadTokenId, group, env.Progress, compute);
        var result = OutOfMemory.Explain(() => trainer.Train(train, validation, checkpoints, loaded.WriteCheckpointExtras, cancellationToken), options.MicroBatchSize, sequenceLength, checkpoints);

        // Other ranks may not see rank 0's output (no shared volume): their outcome then carries no loss curves.
        var state = File.Exists(Path.Combine(result.CheckpointPath, TrainerState.FileName)) ? TrainerState.Load(result.CheckpointPath) : null;
        var metrics = new Dictionary<string, double> { ["loss"] = result.TrainLoss, ["steps"] = result.Step };
        if (result.ValidationLoss is { } v)
        {
            metrics["validation_loss"] = v;
        }

        return new JobOutcome
        {
            Kind = job.Kind,
            Name = job.Metadata.Name!,
            Phase = result.Preempted ? "Preempted" : "Succeeded",
            Metrics = metrics,
            CheckpointUri = env.CheckpointUri(spec.Output, result.CheckpointPath),
            CheckpointStep = result.Step,
            // Loss curves first (the report draws the series in this order), then the others the checkpoint kept (tokens/s).
            Series = new Dictionary<string, IReadOnlyList<StepValue>>(StringComparer.Ordinal) { ["loss"] = state?.Losses ?? [], ["validation_loss"] = state?.ValidationLosses ?? [] }
                .Concat(state?.Series ?? new Dictionary<string, IReadOnlyList<StepValue>>())
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
    }
}
