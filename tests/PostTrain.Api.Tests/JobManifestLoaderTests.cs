using PostTrain.Api.Eval;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;

namespace PostTrain.Api.Tests;

public class JobManifestLoaderTests
{
    [Fact]
    public async Task Loads_a_full_SftJob_with_every_field_typed()
    {
        var jobs = await JobManifestLoader.LoadFileAsync(TestManifests.PathOf("sft.yaml"));

        var sft = jobs.ShouldHaveSingleItem().ShouldBeOfType<SftJob>();
        sft.Metadata.Name.ShouldBe("tiny-sft");
        sft.Metadata.Namespace.ShouldBe("research");
        sft.Metadata.Labels!["app.kubernetes.io/part-of"].ShouldBe("posttrain");
        sft.Spec.Model.Source.ShouldBe("hf://Qwen/Qwen2.5-0.5B@main");
        sft.Spec.Model.Dtype.ShouldBe(ModelDtype.BFloat16);
        sft.Spec.Dataset.Format.ShouldBe(DatasetFormat.Gsm8k);
        sft.Spec.Dataset.MaxSamples.ShouldBe(5000);
        sft.Spec.Resources.Cpu.ShouldBe("32");
        sft.Spec.Resources.Memory.ShouldBe("256Gi");
        sft.Spec.Resources.GpuResourceName.ShouldBe("nvidia.com/gpu");
        sft.Spec.Scheduling!.Tolerations!.ShouldHaveSingleItem()["effect"]!.GetValue<string>().ShouldBe("NoSchedule");
        sft.Spec.Scheduling.Affinity!["nodeAffinity"].ShouldNotBeNull();
        sft.Spec.Scheduling.QueueName.ShouldBe("team-a");
        sft.Spec.HfTokenSecret!.Key.ShouldBe("token");
        sft.Spec.Training.Epochs.ShouldBe(3);
        sft.Spec.Training.LearningRate.ShouldBe(1e-5);
        sft.Spec.Training.Schedule.ShouldBe(LrSchedule.Cosine);
        sft.Spec.Training.WarmupRatio.ShouldBe(0.03);
        sft.Spec.Training.Lora!.TargetModules.ShouldBe(["q_proj", "k_proj", "v_proj", "o_proj"]);
        sft.Spec.Seed.ShouldBe(7);
    }

    [Fact]
    public void Omitted_fields_take_their_documented_defaults()
    {
        var job = JobManifestLoader.Load("""
            apiVersion: posttrain.dev/v1alpha1
            kind: RlvrJob
            metadata: {name: defaults}
            spec:
              model: {source: builtin://tiny}
              dataset: {source: builtin://arithmetic}
              reward: [{type: math}]
            """).ShouldHaveSingleItem().ShouldBeOfType<RlvrJob>();

        job.Spec.Rollout.GroupSize.ShouldBe(8);
        job.Spec.Algorithm.Advantage.ShouldBe(AdvantageEstimator.Grpo);
        job.Spec.Algorithm.Kl.Estimator.ShouldBe(KlEstimator.K3);
        job.Spec.Algorithm.LossAggregation.ShouldBe(LossAggregation.TokenMean);
        job.Spec.Reward[0].Weight.ShouldBe(1.0);
        job.Spec.Reward[0].EffectiveMode.ShouldBe(MathMode.Flexible);
        job.Spec.Resume.ShouldBe(ResumePolicy.Auto);
        job.Spec.Resources.Gpus.ShouldBe(1);
        job.Spec.Dataset.Format.ShouldBe(DatasetFormat.Messages);
        job.Spec.ReferenceModel.ShouldBeNull();
    }

    [Fact]
    public void Loads_every_document_of_a_multi_document_file()
    {
        var jobs = JobManifestLoader.Load(TestManifests.Read("pipeline.yaml"), "pipeline.yaml");

        jobs.Select(j => j.DisplayName).ShouldBe(["EvalJob/arithmetic-eval", "RlvrJob/arithmetic-rlvr", "SftJob/arithmetic-sft"]);
        var eval = jobs[0].ShouldBeOfType<EvalJob>();
        eval.Spec.Models[1].FromJob!.Kind.ShouldBe(JobReferenceKind.SftJob);
        eval.Spec.Metrics.PassAtK!.K.ShouldBe([1, 4]);
        var rlvr = jobs[1].ShouldBeOfType<RlvrJob>();
        rlvr.Spec.Rollout.Stop.ShouldBe(["\n"]);
        rlvr.Spec.Reward[1].Pattern.ShouldBe(@"^\s*-?\d+\s*$");
        rlvr.Spec.Algorithm.Clip.High.ShouldBe(0.28);
    }

    [Fact]
    public void Loads_JSON_too()
    {
        var job = JobManifestLoader.Load(TestManifests.Read("job.json"), "job.json").ShouldHaveSingleItem().ShouldBeOfType<EvalJob>();
        job.Status!.Result!.Metrics!["accuracy"].ShouldBe(0.42);
        job.Metadata.AdditionalFields!.ShouldContainKey("managedFields");
    }

    [Fact]
    public void Reports_all_errors_with_file_line_and_field_path()
    {
        var e = Should.Throw<ManifestException>(() => JobManifestLoader.Load(TestManifests.Read("invalid/many-errors.yaml"), "many-errors.yaml"));

        var lines = e.Errors.Select(x => x.ToString()).ToList();
        lines.ShouldContain("many-errors.yaml:11:5: spec.dataset.format: must be one of: messages, promptCompletion, gsm8k, mbpp, parquet (got \"chat\")");
        lines.ShouldContain("many-errors.yaml:13:5: spec.training.learningRate: must be > 0 (got 0)");
        lines.ShouldContain(l => l.StartsWith("many-errors.yaml:14:5: spec.training.learningrate: unknown field \"learningrate\"", StringComparison.Ordinal));
        lines.ShouldContain("many-errors.yaml:15:5: spec.training.batchSize: expected an integer, got the string \"lots\"");
        e.Message.ShouldStartWith("4 errors:");
    }

    [Fact]
    public void Semantic_errors_follow_once_the_schema_is_satisfied()
    {
        var e = Should.Throw<ManifestException>(() => JobManifestLoader.Load("""
            apiVersion: posttrain.dev/v1alpha1
            kind: SftJob
            metadata:
              name: Bad_Name
            spec:
              model:
                source: builtin://tiny
                fromJob: {kind: SftJob, name: other}
              dataset:
                source: gs://bucket/data
            """, "x.yaml"));

        e.Errors.Select(x => x.ToString()).ShouldBe(
            [
                "x.yaml:10:5: spec.dataset.source: \"gs://bucket/data\" does not match the pattern ^((hf|pvc|builtin)://\\S+|file:///\\S*|[^:\\s][^:]*)$",
            ]);

        var semantic = Should.Throw<ManifestException>(() => JobManifestLoader.Load("""
            apiVersion: posttrain.dev/v1alpha1
            kind: SftJob
            metadata:
              name: Bad_Name
            spec:
              model:
                source: builtin://tiny
                fromJob: {kind: SftJob, name: other}
              dataset:
                source: hf://a/b/../c
            """, "x.yaml"));
        semantic.Errors.Select(x => x.ToString()).ShouldBe(
            [
                "x.yaml:4:3: metadata.name: \"Bad_Name\" must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                "x.yaml:10:5: spec.dataset.source: 'hf://a/b/../c': the path inside the repository must be non-empty and must not contain '..'",
                "x.yaml:6:3: spec.model: exactly one of source or fromJob must be set",
            ]);
    }

    [Fact]
    public void Errors_of_several_documents_are_reported_together_with_their_lines()
    {
        var result = JobManifestLoader.TryLoad("""
            apiVersion: posttrain.dev/v1alpha1
            kind: SftJob
            metadata: {name: ok}
            spec:
              model: {source: builtin://tiny}
              dataset: {source: builtin://arithmetic}
            ---
            apiVersion: posttrain.dev/v1alpha1
            kind: TrainJob
            metadata: {name: what}
            ---
            apiVersion: batch/v1
            kind: Job
            ---
            - just
            - a list
            ---
            apiVersion: posttrain.dev/v1alpha1
            kind: EvalJob
            metadata: {name: e}
            spec:
              models: [{name: m, source: builtin://tiny}]
              dataset: {source: builtin://arithmetic}
              maxNewTokens: "many"
            """, "multi.yaml");

        result.Jobs.Select(j => j.DisplayName).ShouldBe(["SftJob/ok"]);
        result.Errors.Select(e => e.ToString()).ShouldBe(
            [
                "multi.yaml:9:1: kind: expected one of SftJob, RlvrJob, EvalJob, got 'TrainJob'",
                "multi.yaml:12:1: apiVersion: expected posttrain.dev/v1alpha1, got 'batch/v1'",
                "multi.yaml:15:1: expected a mapping with apiVersion, kind, metadata and spec",
                "multi.yaml:24:3: spec.maxNewTokens: expected an integer, got the string \"many\"",
            ]);
        result.Errors.Select(e => e.Document).ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public void Malformed_YAML_is_reported_with_its_position()
    {
        var e = Should.Throw<ManifestException>(() => JobManifestLoader.Load("apiVersion: posttrain.dev/v1alpha1\nkind: SftJob\n  spec: {}\n", "broken.yaml"));
        var error = e.Errors.ShouldHaveSingleItem();
        error.Line.ShouldBe(3);
        error.ToString().ShouldStartWith("broken.yaml:3:");
        error.Message.ShouldStartWith("not valid YAML");

        // YamlDotNet throws without a position for some inputs; it is still a manifest error.
        Should.Throw<ManifestException>(() => JobManifestLoader.Load("kind: [SftJob\nspec: {}\n", "broken.yaml"))
            .Errors.ShouldHaveSingleItem().Message.ShouldStartWith("not valid YAML");
    }

    [Fact]
    public void Duplicate_keys_are_rejected()
    {
        var e = Should.Throw<ManifestException>(() => JobManifestLoader.Load("apiVersion: a\napiVersion: b\n", "dup.yaml"));
        e.Errors.ShouldHaveSingleItem().ToString().ShouldContain("dup.yaml:2:1:");
    }

    [Fact]
    public void Quoted_numbers_stay_strings_and_plain_ones_are_numbers()
    {
        var e = Should.Throw<ManifestException>(() => JobManifestLoader.Load("""
            apiVersion: posttrain.dev/v1alpha1
            kind: SftJob
            metadata: {name: q}
            spec:
              model: {source: builtin://tiny}
              dataset: {source: builtin://arithmetic}
              seed: "7"
              resources: {cpu: "4", memory: 16Gi}
            """));
        e.Errors.Select(x => x.Path + ": " + x.Message).ShouldBe(["spec.seed: expected an integer, got the string \"7\""]);
    }

    [Fact]
    public void Empty_input_and_unreadable_files_are_errors()
    {
        Should.Throw<ManifestException>(() => JobManifestLoader.Load("# nothing\n", "empty.yaml")).Errors.ShouldHaveSingleItem().Message.ShouldBe("no documents");
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".yaml");
        Should.Throw<ManifestException>(() => JobManifestLoader.LoadFileAsync(missing)).Message.ShouldContain("cannot read the file");
    }
}
