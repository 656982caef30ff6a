using PostTrain.Api.Eval;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Validation;

namespace PostTrain.Api.Tests;

public class JobValidatorTests
{
    [Fact]
    public void Valid_samples_have_no_errors()
    {
        foreach (var file in new[] { "sft.yaml", "pipeline.yaml", "rlvr-code.yaml", "job.json" })
        {
            foreach (var job in JobManifestLoader.Load(TestManifests.Read(file), file))
            {
                JobValidator.Validate(job).ShouldBeEmpty($"{file}: {job.DisplayName}");
            }
        }
    }

    [Fact]
    public void Typed_jobs_are_checked_against_the_schema_too()
    {
        var job = ValidSft();
        job.Spec.Training.LearningRate = -1;
        job.Spec.Output.Keep = 0;
        Messages(job).ShouldBe(["spec.output.keep: must be >= 1 (got 0)", "spec.training.learningRate: must be > 0 (got -1)"], ignoreOrder: true);
    }

    [Fact]
    public void Model_needs_exactly_one_of_source_and_fromJob()
    {
        var job = ValidSft();
        job.Spec.Model.Source = null;
        Messages(job).ShouldBe(["spec.model: exactly one of source or fromJob must be set"]);
        job.Spec.Model.Source = "builtin://tiny";
        job.Spec.Model.FromJob = new() { Name = "other" };
        Messages(job).ShouldBe(["spec.model: exactly one of source or fromJob must be set"]);
    }

    [Fact]
    public void A_model_adapter_is_a_folder_or_hub_uri()
    {
        var job = ValidSft();
        job.Spec.Model.Adapter = "pvc://adapters/run-1/checkpoint-000100";
        Messages(job).ShouldBeEmpty();
        job.Spec.Model.Adapter = "builtin://tiny";
        Messages(job).ShouldBe(["spec.model.adapter: an adapter is a folder or hub repository holding adapter_config.json, not a builtin:// model"]);
        job.Spec.Model.Adapter = "gs://bucket/adapter";
        Messages(job).ShouldContain(m => m.StartsWith("spec.model.adapter: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Sft_batch_arithmetic_and_warmup_are_checked()
    {
        var job = ValidSft();
        job.Spec.Resources.Gpus = 2;
        job.Spec.Training.BatchSize = 30;
        job.Spec.Training.MicroBatchSize = 4;
        Messages(job).ShouldBe(["spec.training.microBatchSize: batchSize 30 must be a multiple of microBatchSize x devices = 8"]);

        job.Spec.Training.GradientAccumulation = 2;
        job.Spec.Training.BatchSize = 32;
        Messages(job).ShouldBe(["spec.training.batchSize: must equal microBatchSize x gradientAccumulation x devices = 4 x 2 x 2 = 16 (got 32)"]);

        job.Spec.Training.BatchSize = 16;
        job.Spec.Training.WarmupSteps = 10;
        job.Spec.Training.WarmupRatio = 0.1;
        Messages(job).ShouldBe(["spec.training: set at most one of warmupSteps and warmupRatio"]);
    }

    [Fact]
    public void Reward_fields_must_match_the_reward_type()
    {
        var job = ValidRlvr();
        job.Spec.Reward =
        [
            new RewardSpec { Type = RewardType.Math, Pattern = "x", Url = "http://127.0.0.1" },
            new RewardSpec { Type = RewardType.Regex, Name = "r1" },
            new RewardSpec { Type = RewardType.Regex, Name = "r2", Pattern = "([" },
            new RewardSpec { Type = RewardType.Http, Mode = MathMode.Strict, MemoryMb = 64 },
            new RewardSpec { Type = RewardType.Code, Retries = 1 },
            new RewardSpec { Type = RewardType.Code },
        ];

        Messages(job).Where(m => !m.StartsWith("spec.reward[2]", StringComparison.Ordinal)).ShouldBe(
            [
                "spec.reward[0].pattern: only allowed for type regex (type is math)",
                "spec.reward[0].url: only allowed for type http (type is math)",
                "spec.reward[1].pattern: required for type regex",
                "spec.reward[3].mode: only allowed for type math (type is http)",
                "spec.reward[3].memoryMb: only allowed for type code (type is http)",
                "spec.reward[3].url: required for type http",
                "spec.reward[4].retries: only allowed for type http (type is code)",
                "spec.reward[5].name: duplicate reward name code (name each reward of the same type)",
            ],
            ignoreOrder: false,
            customMessage: string.Join("\n", Messages(job)));
        Messages(job).Where(m => m.StartsWith("spec.reward[2]", StringComparison.Ordinal)).ShouldHaveSingleItem()
            .ShouldStartWith("spec.reward[2].pattern: not a valid regular expression: ");
    }

    [Fact]
    public void A_gate_needs_a_reward_beside_it()
    {
        var job = ValidRlvr();
        job.Spec.Reward = [new RewardSpec { Type = RewardType.Equations, Gate = true }];
        Messages(job).ShouldBe(["spec.reward: at least one reward must not be a gate (a gate only zeroes the sum of the others)"]);

        job.Spec.Reward = [new RewardSpec { Type = RewardType.Math }, new RewardSpec { Type = RewardType.Equations, Gate = true, Grounded = true }];
        Messages(job).ShouldBeEmpty();

        job.Spec.Reward = [new RewardSpec { Type = RewardType.Math, Grounded = true }];
        Messages(job).ShouldBe(["spec.reward[0].grounded: only allowed for type equations (type is math)"]);
    }

    [Fact]
    public void Rollout_batch_must_split_into_mini_batches_and_groups_need_two_for_grpo()
    {
        var job = ValidRlvr();
        job.Spec.Rollout.GroupSize = 1;
        job.Spec.Rollout.PromptsPerStep = 3;
        job.Spec.Algorithm.MiniBatches = 2;
        Messages(job).ShouldBe(
            [
                "spec.algorithm.miniBatches: must divide the rollouts per step, promptsPerStep x groupSize = 3",
                "spec.rollout.groupSize: must be >= 2 for the grpo advantage (it compares completions within a group)",
            ]);
    }

    [Fact]
    public void Rlvr_prompts_split_evenly_over_the_ranks()
    {
        var job = ValidRlvr();
        job.Spec.Rollout.PromptsPerStep = 12;
        job.Spec.Resources.Gpus = 4;
        job.Spec.Resources.Nodes = 2;
        Messages(job).ShouldBe(["spec.rollout.promptsPerStep: must be a multiple of the devices, gpus x nodes = 8: each rank rolls out whole groups of an equal share of the prompts (got 12)"]);
        job.Spec.Rollout.PromptsPerStep = 16;
        Messages(job).ShouldBeEmpty();
    }

    [Fact]
    public void Fp16_precision_is_refused_naming_the_field_and_the_choices()
    {
        var node = Serialization.JobJson.ToNode(ValidSft());
        node["spec"]!["training"]!["precision"] = "fp16";
        var errors = StructuralSchemaValidator.Validate(node, CrdGenerator.ValidationSchema(typeof(SftJob)));
        errors.Select(e => e.ToString()).ShouldBe(["spec.training.precision: must be one of: fp32, bf16 (got \"fp16\")"]);
    }

    [Fact]
    public void Eval_models_need_unique_names_and_pass_at_k_fits_the_samples()
    {
        var job = new EvalJob { Metadata = new() { Name = "e" } };
        job.Spec.Dataset.Source = "builtin://arithmetic";
        job.Spec.Models.Add(new EvalModelSpec { Name = "m", Source = "builtin://tiny" });
        job.Spec.Models.Add(new EvalModelSpec { Name = "m", FromJob = new() { Name = "s" } });
        job.Spec.Metrics.PassAtK = new PassAtKSpec { K = [1, 8, 1], Samples = 4 };
        Messages(job).ShouldBe(
            [
                "spec.models[1].name: duplicate model name m",
                "spec.metrics.passAtK.k[1]: must be between 1 and samples (4) (got 8)",
                "spec.metrics.passAtK.k: must not repeat a value",
            ]);
    }

    [Fact]
    public void Output_must_be_writable_and_env_unique()
    {
        var job = ValidSft();
        job.Spec.Output.Uri = "hf://org/model";
        job.Spec.Env = [new EnvVar { Name = "A", Value = "1" }, new EnvVar { Name = "A", Value = "2", ValueFrom = new() }];
        Messages(job).ShouldBe(
            [
                "spec.output.uri: checkpoints are written to pvc://, file:// or a path, not HuggingFace ('hf://org/model')",
                "spec.env[1].name: duplicate variable A",
                "spec.env[1]: set at most one of value and valueFrom",
            ]);
    }

    private static List<string> Messages(PostTrainJob job) => JobValidator.Validate(job).Select(e => e.ToString()).ToList();

    private static SftJob ValidSft()
    {
        var job = new SftJob { Metadata = new() { Name = "s" } };
        job.Spec.Model.Source = "builtin://tiny";
        job.Spec.Dataset.Source = "builtin://arithmetic";
        Messages(job).ShouldBeEmpty();
        return job;
    }

    private static RlvrJob ValidRlvr()
    {
        var job = new RlvrJob { Metadata = new() { Name = "r" } };
        job.Spec.Model.FromJob = new() { Kind = JobReferenceKind.SftJob, Name = "s" };
        job.Spec.Dataset.Source = "builtin://arithmetic";
        job.Spec.Reward.Add(new RewardSpec { Type = RewardType.Math });
        Messages(job).ShouldBeEmpty();
        return job;
    }
}
