using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>
/// The hand-off between jobs through the operator: a job chained from another gets the dependency's checkpoint as a
/// pvc:// source and that claim mounted, whether the worker reported the checkpoint as a pvc:// URI (as workers do)
/// or as its path in the pod (as older workers did).
/// </summary>
public sealed partial class ClaimMountTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_rlvr_job_chained_from_an_sft_job_on_another_claim_mounts_that_claim(bool legacyReport)
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        const string sftOutput = "pvc://sft-out/runs/sft";
        var rlvrSpec = Specs.Rlvr("sft");
        rlvrSpec["output"] = new JsonObject { ["uri"] = "pvc://rl-out/rlvr" };
        await op.CreateAsync(JobKinds.Rlvr, "rlvr", rlvrSpec);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft(sftOutput));
        await op.WaitForPhaseAsync(JobKinds.Rlvr, "rlvr", JobPhase.WaitingForDependency);

        await op.SucceedAsync(JobKinds.Sft, "sft", "10.19.0.1", Report(sftOutput, legacyReport));

        var checkpoint = WorkerReports.Checkpoint(sftOutput, 10);
        checkpoint.ShouldBe("pvc://sft-out/runs/sft/checkpoint-000010");
        (await op.StatusAsync(JobKinds.Sft, "sft")).Checkpoint!.Uri.ShouldBe(checkpoint);
        var rendered = JobJson.Deserialize<RlvrJob>(await WaitForConfigAsync(op, "rlvr-rlvr-config"));
        rendered.Spec.Model.Source.ShouldBe(checkpoint);
        rendered.Spec.Model.FromJob.ShouldBeNull();
        ShouldMountExactly(await op.WaitForBatchJobAsync("rlvr-rlvr"), "rl-out", "sft-out");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_eval_compare_example_mounts_the_checkpoints_and_datasets_claims(bool legacyReport)
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var jobs = new List<PostTrainJob>();
        foreach (var file in new[] { "eval-compare.yaml", "rlvr-gsm8k.yaml", "sft-gsm8k.yaml" })
        {
            jobs.AddRange(await JobManifestLoader.LoadFileAsync(Path.Combine(TestPaths.RepoRoot, "examples", file)));
        }

        foreach (var job in jobs)
        {
            await op.CreateAsync(JobKinds.ByKind(job.Kind)!, job.Metadata.Name!, JobJson.ToNode(job)["spec"]!.AsObject());
        }

        var sft = jobs.OfType<SftJob>().Single();
        var rlvr = jobs.OfType<RlvrJob>().Single();
        var eval = jobs.OfType<EvalJob>().Single();
        eval.Spec.Output.Uri.ShouldBeNull("the example's EvalJob writes nothing to a claim itself");
        await op.SucceedAsync(JobKinds.Sft, sft.Metadata.Name!, "10.19.1.1", Report(sft.Spec.Output.Uri!, legacyReport));
        await op.SucceedAsync(JobKinds.Rlvr, rlvr.Metadata.Name!, "10.19.1.2", Report(rlvr.Spec.Output.Uri!, legacyReport));

        var config = JobJson.Deserialize<EvalJob>(await WaitForConfigAsync(op, ChildNames.ConfigMap(eval.Metadata.Name!, EvalJob.KindName)));
        config.Spec.Models.Select(m => m.Source).ShouldBe(
        [
            "hf://Qwen/Qwen2.5-0.5B",
            "pvc://checkpoints/sft-gsm8k/checkpoint-000010",
            "pvc://checkpoints/rlvr-gsm8k/checkpoint-000010",
        ]);
        var batch = await op.WaitForBatchJobAsync(ChildNames.BatchJob(eval.Metadata.Name!, EvalJob.KindName));
        ShouldMountExactly(batch, "checkpoints", "datasets");
        batch.Spec.Template.Spec.Volumes!.ShouldContain(v => v.Name == "output" && v.EmptyDir != null);
    }

    [Fact]
    public async Task An_eval_job_comparing_models_from_two_claims_mounts_both()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Eval, "cmp", Specs.Parse("""
            {
              "models": [
                {"name": "base", "source": "pvc://base-models/qwen"},
                {"name": "a", "fromJob": {"kind": "SftJob", "name": "sft-a"}},
                {"name": "b", "fromJob": {"kind": "SftJob", "name": "sft-b"}}
              ],
              "dataset": {"source": "builtin://arithmetic?digits=2", "split": "test"}
            }
            """));
        await op.CreateAsync(JobKinds.Sft, "sft-a", Specs.Sft("pvc://team-a/sft"));
        await op.CreateAsync(JobKinds.Sft, "sft-b", Specs.Sft("pvc://team-b.ckpt/sft"));
        await op.SucceedAsync(JobKinds.Sft, "sft-a", "10.19.2.1", WorkerReports.Checkpoint("pvc://team-a/sft", 10));
        await op.SucceedAsync(JobKinds.Sft, "sft-b", "10.19.2.2", WorkerReports.Checkpoint("pvc://team-b.ckpt/sft", 10));

        var config = JobJson.Deserialize<EvalJob>(await WaitForConfigAsync(op, "cmp-eval-config"));
        config.Spec.Models.Select(m => m.Source).ShouldBe(["pvc://base-models/qwen", "pvc://team-a/sft/checkpoint-000010", "pvc://team-b.ckpt/sft/checkpoint-000010"]);
        ShouldMountExactly(await op.WaitForBatchJobAsync("cmp-eval"), "base-models", "team-a", "team-b.ckpt");
    }

    /// <summary>The pod mounts each claim once, under a valid and distinct volume name, at /mnt/pvc/CLAIM, and no other claim.</summary>
    internal static void ShouldMountExactly(V1Job batch, params string[] claims)
    {
        var pod = batch.Spec.Template.Spec;
        var claimVolumes = pod.Volumes!.Where(v => v.PersistentVolumeClaim is not null).ToList();
        claimVolumes.Select(v => KubeJson.ToNode(v.PersistentVolumeClaim)!["claimName"]!.GetValue<string>()).Order(StringComparer.Ordinal).ShouldBe(claims.Order(StringComparer.Ordinal));
        pod.Volumes!.Select(v => v.Name).ShouldBeUnique();
        var mounts = pod.Containers.Single().VolumeMounts!;
        foreach (var volume in claimVolumes)
        {
            var claim = KubeJson.ToNode(volume.PersistentVolumeClaim)!["claimName"]!.GetValue<string>();
            DnsLabel().IsMatch(volume.Name).ShouldBeTrue($"volume name '{volume.Name}' of claim {claim}");
            volume.Name.ShouldBe(ChildNames.ClaimVolume(claim));
            mounts.Where(m => m.Name == volume.Name).Select(m => m.MountPath).ShouldBe(["/mnt/pvc/" + claim]);
        }
    }

    private static string Report(string outputUri, bool legacy) =>
        legacy ? WorkerReports.LegacyCheckpoint(outputUri, 10) : WorkerReports.Checkpoint(outputUri, 10);

    private static async Task<string> WaitForConfigAsync(OperatorHarness op, string name)
    {
        string? json = null;
        await Eventually.TrueAsync(async () => (json = (await op.Client.ConfigMaps.TryGetAsync(name, op.Namespace))?.Data?["job.json"]) is not null, $"ConfigMap {name}");
        return json!;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
