using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>Runs an RlvrJob on this machine: policy (and frozen reference), verifier, GRPO-family updates, checkpoints.</summary>
public static class RlvrJobRunner
{
    /// <summary>Runs the job; cancellation saves a checkpoint and returns a Preempted outcome.</summary>
    public static async Task<JobOutcome> RunAsync(RlvrJob job, string startSource, JobEnvironment env, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(env);
        var spec = job.Spec;
        var seed = (ulong)spec.Seed;
        var algorithm = spec.Algorithm;
        var output = env.JobOutputDirectory(job.Metadata.Name!, spec.Output); // every rank resumes from it; rank 0 alone writes
        var checkpoints = new CheckpointManager(output, spec.Output.Keep);
        using var writer = await OutputFolder.PrepareAsync(job, env, checkpoints, spec.Resume, cancellationToken).ConfigureAwait(false);
        // The policy keeps float32 master weights whatever the precision (bf16 is autocast compute); the frozen
        // reference is loaded as its spec says.
        using var policy = await env.Sources.LoadModelAsync(spec.Model.Source!, ModelDtype.Float32, seed, cancellationToken, spec.Model.Adapter).ConfigureAwait(false);
        using var reference = algorithm.Kl.Coef > 0
            ? await env.Sources.LoadModelAsync(spec.ReferenceModel?.Source ?? startSource, spec.ReferenceModel?.Dtype ?? spec.Model.Dtype, seed, cancellationToken, spec.ReferenceModel is { } referenceModel ? referenceModel.Adapter : spec.Model.Adapter).ConfigureAwait(false)
            : null;
        var template = ChatTemplateKwargs.Apply(policy.Template, spec.ChatTemplateKwargs);
        env.Progress.Message($"RlvrJob/{job.Metadata.Name}: chat template: {template.Description}");
        policy.ApplyLora(spec.Training.Lora, seed);
        policy.Model.To(env.Device);
        reference?.Model.To(env.Device);

        var loadedPrompts = await env.Sources.LoadDatasetAsync(spec.Dataset, spec.Seed, env.Progress.Message, cancellationToken).ConfigureAwait(false);
        // Validation, when asked for, holds out 5% of the prompts (at most 256) that the policy never trains on.
        var validationFraction = spec.Training.EvalEverySteps > 0 && loadedPrompts.Count >= 20 ? Math.Min(0.05, 256.0 / loadedPrompts.Count) : 0;
        var (prompts, validation) = validationFraction > 0 ? TrainValidationSplit.Split(loadedPrompts, validationFraction, (int)seed) : (loadedPrompts, []);
        using var http = new HttpClient();
        var rewardFactory = RewardMapping.Factory(http);
        var reward = RewardMapping.Create(spec.Reward, rewardFactory, env.Progress.Message);
        await CodeSandboxes.DescribeAsync(rewardFactory.CodeSandboxes, env.Progress.Message, cancellationToken).ConfigureAwait(false);
        var updates = (long)spec.Training.Steps * algorithm.PpoEpochs * algorithm.MiniBatches;
        var options = new RlvrOptions
        {
            Steps = spec.Training.Steps,
            PromptsPerStep = spec.Rollout.PromptsPerStep,
            GroupSize = spec.Rollout.GroupSize,
            Temperature = spec.Rollout.Temperature,
            TopP = spec.Rollout.TopP,
            TopK = spec.Rollout.TopK,
            MaxNewTokens = spec.Rollout.MaxNewTokens,
            StopStrings = spec.Rollout.Stop ?? [],
            Advantage = algorithm.Advantage,
            NegativeAdvantageScale = algorithm.NegativeAdvantageScale,
            ClipLow = algorithm.Clip.Low,
            ClipHigh = algorithm.Clip.High,
            DualClip = algorithm.Clip.DualClipC,
            KlCoefficient = algorithm.Kl.Coef,
            KlEstimator = algorithm.Kl.Estimator,
            EntropyCoefficient = algorithm.EntropyCoef,
            Aggregation = algorithm.LossAggregation,
            PpoEpochs = algorithm.PpoEpochs,
            MiniBatches = algorithm.MiniBatches,
            MicroBatchSize = spec.Training.MicroBatchSize ?? 32,
            DynamicSampling = algorithm.DynamicSampling.Enabled,
            MaxRefills = algorithm.DynamicSampling.MaxRefills,
            LearningRate = spec.Training.LearningRate,
            Schedule = spec.Training.Schedule,
            WarmupSteps = spec.Training.WarmupSteps ?? (long)Math.Round((spec.Training.WarmupRatio ?? 0) * updates),
            WeightDecay = spec.Training.WeightDecay,
            MaxGradNorm = spec.Training.MaxGradNorm,
            Seed = seed,
            SaveEverySteps = spec.Output.SaveEverySteps,
            EvalEverySteps = validation.Count > 0 ? spec.Training.EvalEverySteps : 0,
            Resume = spec.Resume == ResumePolicy.Auto,
        };

        env.Progress.Message($"RlvrJob/{job.Metadata.Name}: {prompts.Count} prompts{(validation.Count > 0 ? $" (+{validation.Count} held out for validation every {options.EvalEverySteps} steps)" : string.Empty)}, {options.Steps} steps x {options.PromptsPerStep} prompts x {options.GroupSize} samples, reward {string.Join("+", spec.Reward.Select(r => r.EffectiveName))}, output {output}");
        var compute = env.Compute(spec.Training.Precision, spec.Training.GradientCheckpointing);
        var group = env.JoinGroup();
        if (group is not null)
        {
            env.Progress.Message($"RlvrJob/{job.Metadata.Name}: rank {group.Rank} of {group.WorldSize} (data parallel, {group.Backend}; {options.PromptsPerStep / group.WorldSize} prompts per rank per step)");
        }

        var longest = (prompts.Count == 0 ? 0 : prompts.Max(p => template.EncodeGenerationPrompt(policy.Tokenizer, RlvrTrainer.PromptMessages(p)).Length)) + options.MaxNewTokens;
        env.Progress.Message($"RlvrJob/{job.Metadata.Name}: {compute}; {MemoryEstimate.ForTraining(policy.Model, options.MicroBatchSize, longest, compute, reference?.Model)}");
        var trainer = new RlvrTrainer(policy.Model, reference?.Model, policy.Tokenizer, template, reward, options, policy.PadTokenId, policy.EosTokenIds, env.Progress, compute, group);
        var result = await OutOfMemory.ExplainAsync(() => trainer.TrainAsync(prompts, checkpoints, policy.WriteCheckpointExtras, cancellationToken, validation), options.MicroBatchSize, longest, checkpoints).ConfigureAwait(false);

        // Other ranks may not see rank 0's output (no shared volume): their outcome then carries no curves.
        var state = File.Exists(Path.Combine(result.CheckpointPath, TrainerState.FileName)) ? TrainerState.Load(result.CheckpointPath) : new TrainerState();
        var metrics = new Dictionary<string, double> { ["reward_mean"] = result.RewardMean, ["steps"] = result.Step, ["reward_failures"] = reward.FailureCount };
        // The result holds the final training figures, which a run repeats exactly; throughput is a curve only.
        foreach (var (name, values) in state.Series.Where(s => s.Value.Count > 0 && s.Key != RlvrTrainer.RolloutTokensPerSecond))
        {
            metrics.TryAdd(name, values[^1].Value);
        }

        return new JobOutcome
        {
            Kind = job.Kind,
            Name = job.Metadata.Name!,
            Phase = result.Preempted ? "Preempted" : "Succeeded",
            Metrics = metrics,
            CheckpointUri = env.CheckpointUri(spec.Output, result.CheckpointPath),
            CheckpointStep = result.Step,
            Series = state.Series,
        };
    }
}
