using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Kube.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>Child names carry the kind, fit Kubernetes' name rules, and stay the same across restarts.</summary>
public sealed partial class NamingTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static readonly string[] Kinds = [SftJob.KindName, RlvrJob.KindName, EvalJob.KindName];

    [Fact]
    public async Task Same_named_jobs_of_different_kinds_get_separate_children_and_chaining_finds_the_right_checkpoint()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Eval, "x", Specs.Parse("""
            {"models": [{"name": "sft", "fromJob": {"kind": "SftJob", "name": "x"}}], "dataset": {"source": "builtin://arithmetic?digits=2", "split": "test"}}
            """));
        await op.CreateAsync(JobKinds.Rlvr, "x", Specs.Rlvr("x"));
        await op.CreateAsync(JobKinds.Sft, "x", Specs.Sft("pvc://ckpt/x"));

        await op.WaitForPhaseAsync(JobKinds.Rlvr, "x", JobPhase.WaitingForDependency);
        await op.SucceedAsync(JobKinds.Sft, "x", "10.9.0.1", WorkerReports.Checkpoint("pvc://ckpt/x", 10));

        var sft = await op.Jobs(JobKinds.Sft).GetAsync("x", ns);
        var rlvr = await op.Jobs(JobKinds.Rlvr).GetAsync("x", ns);
        var eval = await op.Jobs(JobKinds.Eval).GetAsync("x", ns);
        var evalConfig = await WaitForConfigAsync(op, "x-eval-config");
        JobJson.Deserialize<EvalJob>(evalConfig).Spec.Models[0].Source.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/x", 10));
        var rlvrConfig = await WaitForConfigAsync(op, "x-rlvr-config");
        JobJson.Deserialize<RlvrJob>(rlvrConfig).Spec.Model.Source.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/x", 10));

        foreach (var (owner, batchName, configName) in new[] { (sft, "x-sft", "x-sft-config"), (rlvr, "x-rlvr", "x-rlvr-config"), (eval, "x-eval", "x-eval-config") })
        {
            var batch = await op.WaitForBatchJobAsync(batchName);
            OwnerReferences.IsControlledBy(batch, owner).ShouldBeTrue($"{batchName} belongs to its own kind's job");
            OwnerReferences.IsControlledBy(await op.Client.ConfigMaps.GetAsync(configName, ns), owner).ShouldBeTrue();
        }

        (await op.StatusAsync(JobKinds.Rlvr, "x")).Phase.ShouldNotBe(JobPhase.Failed);
        await op.WaitForPhaseAsync(JobKinds.Eval, "x", JobPhase.Pending);
        (await op.Client.Jobs.ListAsync(ns)).Items.Select(j => j.Metadata.Name).ShouldBe(["x-eval", "x-rlvr", "x-sft"], ignoreOrder: true);
    }

    [Fact]
    public void Child_names_fit_kubernetes_rules_are_stable_and_never_collide()
    {
        ChildNames.BatchJob("train", "SftJob").ShouldBe("train-sft");
        ChildNames.ConfigMap("train", "RlvrJob").ShouldBe("train-rlvr-config");
        ChildNames.HeadlessService("train", "EvalJob").ShouldBe("train-eval-workers");
        ChildNames.HeadlessService("7b", "SftJob").ShouldBe("pt-7b-sft-workers", "a Service name must start with a letter");
        var longest = new string('a', 63);
        ChildNames.BatchJob(longest, "SftJob").Length.ShouldBe(ChildNames.MaxBatchJobNameLength);
        ChildNames.BatchJob(longest, "SftJob").ShouldNotBe(ChildNames.BatchJob(longest[..62] + "b", "SftJob"));

        Prop.ForAll<int, int, int>((seed, otherSeed, lengths) =>
        {
            var name = Name(seed, lengths & 0xFFFF);
            var other = Name(otherSeed, lengths >> 16);
            foreach (var kind in Kinds)
            {
                var batch = ChildNames.BatchJob(name, kind);
                var service = ChildNames.HeadlessService(name, kind);
                var config = ChildNames.ConfigMap(name, kind);
                if (batch.Length > ChildNames.MaxBatchJobNameLength || !DnsLabel().IsMatch(batch)
                    || service.Length > 63 || !Dns1035Label().IsMatch(service)
                    || config.Length > 253 || !DnsLabel().IsMatch(config)
                    || batch != ChildNames.BatchJob(name, kind) || service != ChildNames.HeadlessService(name, kind))
                {
                    return false;
                }

                if (name != other && (batch == ChildNames.BatchJob(other, kind) || service == ChildNames.HeadlessService(other, kind)))
                {
                    return false;
                }
            }

            return Kinds.Select(k => ChildNames.BatchJob(name, k)).Distinct().Count() == Kinds.Length;
        }).QuickCheckThrowOnFailure();
    }

    /// <summary>A valid job name (DNS-1123 label, 1 to 63 characters) drawn from a seed.</summary>
    private static string Name(int seed, int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var random = new Random(seed);
        var n = 1 + (int)((uint)length % 63);
        var chars = new char[n];
        for (var i = 0; i < n; i++)
        {
            var edge = i == 0 || i == n - 1;
            chars[i] = !edge && random.Next(5) == 0 ? '-' : alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static async Task<string> WaitForConfigAsync(OperatorHarness op, string name)
    {
        string? json = null;
        await Eventually.TrueAsync(async () => (json = (await op.Client.ConfigMaps.TryGetAsync(name, op.Namespace))?.Data?["job.json"]) is not null, $"ConfigMap {name}");
        return json!;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();
}
