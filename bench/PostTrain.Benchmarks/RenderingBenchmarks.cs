using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Benchmarks;

/// <summary>The operator's workload rendering for one 4-node SftJob: a ConfigMap with job.json, an Indexed Job and a headless Service.</summary>
[MemoryDiagnoser]
public class RenderingBenchmarks
{
    private readonly WorkloadRenderer _renderer = new(new WorkloadOptions());
    private SftJob _job = null!;
    private JobResource _owner = null!;

    /// <summary>Builds the job and its owner reference.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _job = (SftJob)JobJson.FromNode(new JsonObject
        {
            ["apiVersion"] = JobKinds.Sft.ApiVersion,
            ["kind"] = "SftJob",
            ["metadata"] = new JsonObject { ["name"] = "bench", ["namespace"] = "ml" },
            ["spec"] = OperatorBenchmark.Spec(4),
        });
        _owner = new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = "SftJob", Metadata = new V1ObjectMeta { Name = "bench", NamespaceProperty = "ml", Uid = "u" } };
    }

    /// <summary>Renders the job's workload.</summary>
    [Benchmark]
    public object Render() => _renderer.Render(_job, _owner);
}
