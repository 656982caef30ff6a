using System.Diagnostics;
using System.Globalization;
using PostTrain.Api;
using PostTrain.Api.Eval;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Api.Rlvr;
using PostTrain.Api.Schema;
using PostTrain.Api.Serialization;
using PostTrain.Api.Validation;
using PostTrain.Api.Yaml;

namespace PostTrain.Benchmarks;

/// <summary>
/// The API contract's hot paths: loading and validating a 3-document SFT -> RLVR -> Eval manifest, job.json
/// serialisation both ways, full validation of a typed job, and CRD generation.
/// </summary>
public sealed class ApiBenchmark : IBenchmark
{
    public string Name => "api";

    public string Description => "manifest load+validate, job.json round trip, JobValidator, CRD generation (per-op time)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var jobs = Pipeline();
        var manifest = string.Join("---\n", jobs.Select(j => YamlWriter.Write(JobJson.ToNode(j))));
        var rlvr = jobs[1];
        var json = JobJson.Serialize(rlvr);
        var documentation = XmlDocumentation.ForAssembly(typeof(CrdGenerator).Assembly);

        Measure("load+validate 3-document YAML manifest", 2000, () => JobManifestLoader.Load(manifest).Count, cancellationToken);
        Measure("order 3 jobs by fromJob", 100_000, () => JobDependencyOrder.Sort(jobs).Count, cancellationToken);
        Measure("JobJson.Serialize (RlvrJob, indented)", 50_000, () => JobJson.Serialize(rlvr).Length, cancellationToken);
        Measure("JobJson.Deserialize (RlvrJob)", 50_000, () => JobJson.Deserialize(json).Kind.Length, cancellationToken);
        Measure("JobValidator.Validate (RlvrJob: schema + semantics)", 10_000, () => JobValidator.Validate(rlvr).Count, cancellationToken);
        Measure("generate all 3 CRDs as YAML", 50, () => CrdGenerator.KindTypes.Sum(t => CrdGenerator.GenerateYaml(t, documentation).Length), cancellationToken);
        return Task.FromResult(0);
    }

    private static void Measure(string what, int iterations, Func<int> action, CancellationToken cancellationToken)
    {
        var sink = 0;
        for (var i = 0; i < Math.Max(10, iterations / 10); i++)
        {
            sink += action();
        }

        var samples = new List<double>();
        for (var round = 0; round < 5 && !cancellationToken.IsCancellationRequested; round++)
        {
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                sink += action();
            }

            samples.Add(stopwatch.Elapsed.TotalMicroseconds / iterations);
        }

        samples.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-55} median {samples[samples.Count / 2],10:F2} us/op  (min {samples[0]:F2}, 5 rounds x {iterations}; sink {sink % 10})"));
    }

    private static List<PostTrainJob> Pipeline()
    {
        var sft = new SftJob { Metadata = new() { Name = "sft" } };
        sft.Spec.Model.Source = "builtin://tiny";
        sft.Spec.Dataset.Source = "builtin://arithmetic?digits=2";
        sft.Spec.Dataset.Format = DatasetFormat.PromptCompletion;
        sft.Spec.Training.MaxSteps = 200;

        var rlvr = new RlvrJob { Metadata = new() { Name = "rlvr" } };
        rlvr.Spec.Model.FromJob = new() { Kind = JobReferenceKind.SftJob, Name = "sft" };
        rlvr.Spec.Dataset.Source = "builtin://arithmetic?digits=2";
        rlvr.Spec.Reward.Add(new RewardSpec { Type = RewardType.Math });
        rlvr.Spec.Reward.Add(new RewardSpec { Type = RewardType.Regex, Name = "format", Pattern = @"^\s*-?\d+\s*$", Weight = 0.1 });
        rlvr.Spec.Rollout.Stop = ["\n"];

        var eval = new EvalJob { Metadata = new() { Name = "eval" } };
        eval.Spec.Dataset.Source = "builtin://arithmetic?digits=2";
        eval.Spec.Models.Add(new EvalModelSpec { Name = "base", Source = "builtin://tiny" });
        eval.Spec.Models.Add(new EvalModelSpec { Name = "rl", FromJob = new() { Kind = JobReferenceKind.RlvrJob, Name = "rlvr" } });
        eval.Spec.Metrics.PassAtK = new PassAtKSpec { K = [1, 4], Samples = 8 };
        return [eval, rlvr, sft];
    }
}
