using System.Text.RegularExpressions;
using PostTrain.Api.Eval;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Sft;

namespace PostTrain.Api.Validation;

/// <summary>
/// Checks a typed job: the CRD's structural schema (on the job serialised back to JSON) and the rules the schema
/// cannot say, which the API server checks with CEL or which need parsing: exactly one of source or fromJob,
/// source URIs, name syntax, warmup exclusivity, batch arithmetic, reward-type fields, pass@k bounds, unique
/// model names. Reports every error.
/// </summary>
public static partial class JobValidator
{
    /// <summary>Everything wrong with <paramref name="job"/>: schema errors, then semantic errors.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The errors; empty when the job is valid.</returns>
    public static IReadOnlyList<ValidationError> Validate(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var errors = new List<ValidationError>();
        errors.AddRange(StructuralSchemaValidator.Validate(Serialization.JobJson.ToNode(job), CrdGenerator.ValidationSchema(job.GetType())));
        errors.AddRange(ValidateSemantics(job));
        return errors;
    }

    /// <summary>The rules beyond the structural schema (see the class summary).</summary>
    /// <param name="job">A job that satisfies the structural schema.</param>
    /// <returns>The errors; empty when the job is valid.</returns>
    public static IReadOnlyList<ValidationError> ValidateSemantics(PostTrainJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var errors = new List<ValidationError>();
        CheckMetadata(job, errors);
        CheckCommon(job.CommonSpec, errors);
        switch (job)
        {
            case SftJob sft:
                CheckModel(sft.Spec.Model, "spec.model", errors);
                CheckSft(sft.Spec, errors);
                break;
            case RlvrJob rlvr:
                CheckModel(rlvr.Spec.Model, "spec.model", errors);
                if (rlvr.Spec.ReferenceModel is not null)
                {
                    CheckModel(rlvr.Spec.ReferenceModel, "spec.referenceModel", errors);
                }

                CheckRlvr(rlvr.Spec, errors);
                break;
            case EvalJob eval:
                CheckEval(eval.Spec, errors);
                break;
        }

        return errors;
    }

    private static void CheckMetadata(PostTrainJob job, List<ValidationError> errors)
    {
        var name = job.Metadata.Name;
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new("metadata.name", "required field is missing"));
        }
        else if (name.Length > 63 || !DnsLabelRegex().IsMatch(name))
        {
            errors.Add(new("metadata.name", $"\"{name}\" must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"));
        }

        if (job.Metadata.Namespace is { Length: > 0 } ns && (ns.Length > 63 || !DnsLabelRegex().IsMatch(ns)))
        {
            errors.Add(new("metadata.namespace", $"\"{ns}\" must be a DNS-1123 label"));
        }
    }

    private static void CheckCommon(JobSpecBase spec, List<ValidationError> errors)
    {
        CheckSource(spec.Dataset?.Source, "spec.dataset.source", required: true, errors);
        if (spec.Output?.Uri is { } output)
        {
            if (!SourceUri.TryParse(output, out var uri, out var error))
            {
                errors.Add(new("spec.output.uri", error));
            }
            else if (uri.Kind is SourceKind.HuggingFace or SourceKind.Builtin)
            {
                errors.Add(new("spec.output.uri", $"checkpoints are written to pvc://, file:// or a path, not {uri.Kind} ('{output}')"));
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Env?.Count ?? 0); i++)
        {
            var variable = spec.Env![i];
            if (!names.Add(variable.Name))
            {
                errors.Add(new($"spec.env[{i}].name", $"duplicate variable {variable.Name}"));
            }

            if (variable.Value is not null && variable.ValueFrom is not null)
            {
                errors.Add(new($"spec.env[{i}]", "set at most one of value and valueFrom"));
            }
        }
    }

    private static void CheckModel(ModelSpec? model, string path, List<ValidationError> errors)
    {
        if (model is null)
        {
            errors.Add(new(path, "required field is missing"));
            return;
        }

        if ((model.Source is null) == (model.FromJob is null))
        {
            errors.Add(new(path, "exactly one of source or fromJob must be set"));
        }

        CheckSource(model.Source, path + ".source", required: false, errors);
        CheckSource(model.Adapter, path + ".adapter", required: false, errors);
        if (model.Adapter is { } adapter && SourceUri.TryParse(adapter, out var adapterUri, out _) && adapterUri.Kind == SourceKind.Builtin)
        {
            errors.Add(new(path + ".adapter", "an adapter is a folder or hub repository holding adapter_config.json, not a builtin:// model"));
        }

        if (model.FromJob is { } reference && (reference.Name.Length == 0 || reference.Name.Length > 63 || !DnsLabelRegex().IsMatch(reference.Name)))
        {
            errors.Add(new(path + ".fromJob.name", $"\"{reference.Name}\" is not a valid job name"));
        }
    }

    private static void CheckSource(string? source, string path, bool required, List<ValidationError> errors)
    {
        if (source is null)
        {
            if (required)
            {
                errors.Add(new(path, "required field is missing"));
            }

            return;
        }

        if (!SourceUri.TryParse(source, out _, out var error))
        {
            errors.Add(new(path, error));
        }
    }

    private static void CheckSft(SftJobSpec spec, List<ValidationError> errors)
    {
        var training = spec.Training;
        CheckWarmup(training.WarmupSteps, training.WarmupRatio, "spec.training", errors);
        var devices = Math.Max(1, spec.Resources.Gpus) * spec.Resources.Nodes;
        if (training.MicroBatchSize is { } micro)
        {
            if (training.GradientAccumulation is { } accumulation && micro * accumulation * devices != training.BatchSize)
            {
                errors.Add(new("spec.training.batchSize", $"must equal microBatchSize x gradientAccumulation x devices = {micro} x {accumulation} x {devices} = {micro * accumulation * devices} (got {training.BatchSize})"));
            }
            else if (training.BatchSize % (micro * devices) != 0)
            {
                errors.Add(new("spec.training.microBatchSize", $"batchSize {training.BatchSize} must be a multiple of microBatchSize x devices = {micro * devices}"));
            }
        }
        else if (training.GradientAccumulation is { } accumulation && training.BatchSize % (accumulation * devices) != 0)
        {
            errors.Add(new("spec.training.gradientAccumulation", $"batchSize {training.BatchSize} must be a multiple of gradientAccumulation x devices = {accumulation * devices}"));
        }

        if (training.Lora is { TargetModules: { Count: 0 } })
        {
            errors.Add(new("spec.training.lora.targetModules", "must not be empty (omit it for the default modules)"));
        }
    }

    private static void CheckRlvr(RlvrJobSpec spec, List<ValidationError> errors)
    {
        CheckWarmup(spec.Training.WarmupSteps, spec.Training.WarmupRatio, "spec.training", errors);
        var devices = Math.Max(1, spec.Resources.Gpus) * spec.Resources.Nodes;
        if (spec.Rollout.PromptsPerStep % devices != 0)
        {
            errors.Add(new("spec.rollout.promptsPerStep", $"must be a multiple of the devices, gpus x nodes = {devices}: each rank rolls out whole groups of an equal share of the prompts (got {spec.Rollout.PromptsPerStep})"));
        }

        var rollouts = spec.Rollout.PromptsPerStep * spec.Rollout.GroupSize;
        if (rollouts % spec.Algorithm.MiniBatches != 0)
        {
            errors.Add(new("spec.algorithm.miniBatches", $"must divide the rollouts per step, promptsPerStep x groupSize = {rollouts}"));
        }

        if (spec.Rollout.GroupSize < 2 && spec.Algorithm.Advantage != AdvantageEstimator.GrpoNoStd)
        {
            errors.Add(new("spec.rollout.groupSize", $"must be >= 2 for the {Name(spec.Algorithm.Advantage)} advantage (it compares completions within a group)"));
        }

        if (spec.Reward.Count == 0)
        {
            errors.Add(new("spec.reward", "must have at least 1 reward"));
        }

        if (spec.Reward.Count > 0 && spec.Reward.All(r => r.Gate))
        {
            errors.Add(new("spec.reward", "at least one reward must not be a gate (a gate only zeroes the sum of the others)"));
        }

        var rewardNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Reward.Count; i++)
        {
            CheckReward(spec.Reward[i], $"spec.reward[{i}]", errors);
            if (!rewardNames.Add(spec.Reward[i].EffectiveName))
            {
                errors.Add(new($"spec.reward[{i}].name", $"duplicate reward name {spec.Reward[i].EffectiveName} (name each reward of the same type)"));
            }
        }
    }

    private static void CheckReward(RewardSpec reward, string path, List<ValidationError> errors)
    {
        void OnlyFor(bool present, string field, params RewardType[] types)
        {
            if (present && !types.Contains(reward.Type))
            {
                errors.Add(new($"{path}.{field}", $"only allowed for type {string.Join(" and ", types.Select(t => Name(t)))} (type is {Name(reward.Type)})"));
            }
        }

        OnlyFor(reward.Mode is not null, "mode", RewardType.Math);
        OnlyFor(reward.Grounded is not null, "grounded", RewardType.Equations);
        OnlyFor(reward.TimeoutSeconds is not null, "timeoutSeconds", RewardType.Code, RewardType.Http);
        OnlyFor(reward.MemoryMb is not null, "memoryMb", RewardType.Code);
        OnlyFor(reward.AllowUnisolatedCode is not null, "allowUnisolatedCode", RewardType.Code);
        OnlyFor(reward.Pattern is not null, "pattern", RewardType.Regex);
        OnlyFor(reward.Url is not null, "url", RewardType.Http);
        OnlyFor(reward.Retries is not null, "retries", RewardType.Http);
        switch (reward.Type)
        {
            case RewardType.Regex when reward.Pattern is null:
                errors.Add(new($"{path}.pattern", "required for type regex"));
                break;
            case RewardType.Regex:
                try
                {
                    _ = new Regex(reward.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    errors.Add(new($"{path}.pattern", $"not a valid regular expression: {e.Message}"));
                }

                break;
            case RewardType.Http when reward.Url is null:
                errors.Add(new($"{path}.url", "required for type http"));
                break;
            case RewardType.Http when !Uri.TryCreate(reward.Url, UriKind.Absolute, out _):
                errors.Add(new($"{path}.url", $"\"{reward.Url}\" is not an absolute http(s) URL"));
                break;
        }
    }

    private static void CheckEval(EvalJobSpec spec, List<ValidationError> errors)
    {
        if (spec.Models.Count == 0)
        {
            errors.Add(new("spec.models", "must have at least 1 model"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Models.Count; i++)
        {
            CheckModel(spec.Models[i], $"spec.models[{i}]", errors);
            if (!names.Add(spec.Models[i].Name))
            {
                errors.Add(new($"spec.models[{i}].name", $"duplicate model name {spec.Models[i].Name}"));
            }
        }

        if (!spec.Metrics.Accuracy && spec.Metrics.PassAtK is null)
        {
            errors.Add(new("spec.metrics", "enable at least one metric (accuracy or passAtK)"));
        }

        if (spec.Metrics.PassAtK is { } passAtK)
        {
            for (var i = 0; i < passAtK.K.Count; i++)
            {
                if (passAtK.K[i] < 1 || passAtK.K[i] > passAtK.Samples)
                {
                    errors.Add(new($"spec.metrics.passAtK.k[{i}]", $"must be between 1 and samples ({passAtK.Samples}) (got {passAtK.K[i]})"));
                }
            }

            if (passAtK.K.Distinct().Count() != passAtK.K.Count)
            {
                errors.Add(new("spec.metrics.passAtK.k", "must not repeat a value"));
            }
        }
    }

    private static void CheckWarmup(int? steps, double? ratio, string path, List<ValidationError> errors)
    {
        if (steps is not null && ratio is not null)
        {
            errors.Add(new(path, "set at most one of warmupSteps and warmupRatio"));
        }
    }

    private static string Name<T>(T value)
        where T : struct, Enum =>
        Schema.OpenApiSchemaBuilder.EnumNames(typeof(T))[Array.IndexOf(Enum.GetValues<T>(), value)];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex DnsLabelRegex();
}
