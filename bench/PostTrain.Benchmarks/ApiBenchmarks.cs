using BenchmarkDotNet.Attributes;
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
/// The API contract's hot paths: loading and validating a 3-document SFT -> RLVR -> Eval manifest, ordering by fromJob,
/// job.json serialisation both ways, full validation of a typed job, and CRD generation.
/// </summary>
[MemoryDiagnoser]
public class ApiBenchmarks
{
    private List<PostTrainJob> _jobs = [];
    private string _manifest = string.Empty;
    private PostTrainJob _rlvr = null!;
    private string _json = string.Empty;
    private XmlDocumentation _documentation = null!;

    /// <summary>Builds the pipeline, its YAML and the RlvrJob's job.json once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _jobs = Pipeline();
        _manifest = string.Join("---\n", _jobs.Select(j => YamlWriter.Write(JobJson.ToNode(j))));
        _rlvr = _jobs[1];
        _json = JobJson.Serialize(_rlvr);
        _documentation = XmlDocumentation.ForAssembly(typeof(CrdGenerator).Assembly);
    }

    /// <summary>Load and validate the 3-document YAML manifest.</summary>
    [Benchmark]
    public int LoadAndValidateManifest() => JobManifestLoader.Load(_manifest).Count;

    /// <summary>Order the 3 jobs by fromJob.</summary>
    [Benchmark]
    public int OrderByFromJob() => JobDependencyOrder.Sort(_jobs).Count;

    /// <summary>JobJson.Serialize of the RlvrJob, indented.</summary>
    [Benchmark]
    public int SerializeJobJson() => JobJson.Serialize(_rlvr).Length;

    /// <summary>JobJson.Deserialize of the RlvrJob.</summary>
    [Benchmark]
    public int DeserializeJobJson() => JobJson.Deserialize(_json).Kind.Length;

    /// <summary>JobValidator.Validate of the RlvrJob: schema and semantics.</summary>
    [Benchmark]
    public int ValidateJob() => JobValidator.Validate(_rlvr).Count;

    /// <summary>Generate all 3 CRDs as YAML.</summary>
    [Benchmark]
    public int GenerateCrds() => CrdGenerator.KindTypes.Sum(t => CrdGenerator.GenerateYaml(t, _documentation).Length);

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
