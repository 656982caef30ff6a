using FsCheck;
using FsCheck.Fluent;
using PostTrain.Api.Eval;
using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Status;

namespace PostTrain.Api.Tests;

/// <summary>FsCheck generators of jobs that vary many fields, for round-trip properties.</summary>
internal static class RandomJobs
{
    private static readonly string[] Names = ["a", "sft-1", "rl-x", "eval9"];
    private static readonly string[] Sources = ["builtin://tiny", "hf://org/model@v1", "pvc://claim/dir/sub", "file:///data/m", "./models/x"];

    public static Arbitrary<PostTrainJob> Arbitrary() => Job().ToArbitrary();

    private static Gen<PostTrainJob> Job() =>
        from kind in Gen.Choose(0, 2)
        from name in Gen.Elements(Names)
        from source in Gen.Elements(Sources)
        from seed in Gen.Choose(0, int.MaxValue)
        from rate in Gen.Choose(1, 1000).Select(i => i * 1e-6)
        from count in Gen.Choose(1, 64)
        from flag in ArbMap.Default.GeneratorFor<bool>()
        from text in ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get)
        from metric in ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => f.Get)
        from seconds in Gen.Choose(0, 2_000_000_000)
        select Build(kind, name, source, seed, rate, count, flag, text, metric, DateTimeOffset.FromUnixTimeSeconds(seconds));

    private static PostTrainJob Build(int kind, string name, string source, int seed, double rate, int count, bool flag, string text, double metric, DateTimeOffset time)
    {
        PostTrainJob job;
        switch (kind)
        {
            case 0:
                var sft = new SftJob();
                sft.Spec.Model.Source = source;
                sft.Spec.Training.LearningRate = rate;
                sft.Spec.Training.BatchSize = count;
                sft.Spec.Training.Packing = flag;
                sft.Spec.Training.Lora = flag ? new LoraSpec { Rank = count, TargetModules = [text] } : null;
                job = sft;
                break;
            case 1:
                var rlvr = new RlvrJob();
                rlvr.Spec.Model.FromJob = new JobReference { Kind = JobReferenceKind.SftJob, Name = name };
                rlvr.Spec.ReferenceModel = flag ? new ModelSpec { Source = source, Dtype = ModelDtype.BFloat16 } : null;
                rlvr.Spec.Rollout.Stop = [text, "\n"];
                rlvr.Spec.Reward.Add(new RewardSpec { Type = RewardType.Regex, Pattern = text, Weight = metric });
                rlvr.Spec.Reward.Add(new RewardSpec { Type = RewardType.Http, Url = "http://127.0.0.1/x", Retries = count % 10 });
                rlvr.Spec.Algorithm.Clip.DualClipC = flag ? 3 : null;
                rlvr.Spec.Training.LearningRate = rate;
                job = rlvr;
                break;
            default:
                var eval = new EvalJob();
                eval.Spec.Models.Add(new EvalModelSpec { Name = name, Source = source });
                eval.Spec.Metrics.PassAtK = flag ? new PassAtKSpec { K = [1, count], Samples = count } : null;
                job = eval;
                break;
        }

        job.Metadata.Name = name;
        job.Metadata.Labels = new() { [text] = text };
        job.Metadata.CreationTimestamp = time;
        job.CommonSpec.Dataset.Source = source;
        job.CommonSpec.Dataset.Fields = flag ? new DatasetFields { Prompt = text } : null;
        job.CommonSpec.Seed = seed;
        job.CommonSpec.Resources.Memory = $"{count}Gi";
        job.CommonSpec.Env = [new EnvVar { Name = "X", Value = text }];
        job.CommonSpec.Scheduling = flag ? new SchedulingSpec { Affinity = new() { ["k"] = text }, Tolerations = [new() { ["key"] = text }] } : null;
        job.Status = new JobStatus
        {
            Phase = flag ? JobPhase.Running : JobPhase.Succeeded,
            StartTime = time,
            Conditions = [new Condition { Type = "Ready", Status = ConditionStatus.True, LastTransitionTime = time, Reason = "R", Message = text }],
            Progress = new ProgressStatus { Step = count, Percent = Math.Abs(metric) % 100, Metrics = new() { ["loss"] = metric } },
            Checkpoint = new CheckpointStatus { Uri = source, Step = count },
            Result = new ResultStatus { Metrics = new() { [text] = metric }, Table = [new() { ["model"] = text, ["accuracy"] = metric }] },
        };
        return job;
    }
}
