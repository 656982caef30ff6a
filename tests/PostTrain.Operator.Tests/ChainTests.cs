using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>SFT -> RLVR -> Eval through the operator, with the Job controller and kubelet simulated by the test.</summary>
public sealed class ChainTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    [Fact]
    public async Task Sft_then_rlvr_then_eval_chain_checkpoints_end_to_end()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Eval, "eval", Specs.Eval("sft", "rlvr"));
        await op.CreateAsync(JobKinds.Rlvr, "rlvr", Specs.Rlvr("sft"));
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());

        var waiting = await op.WaitForPhaseAsync(JobKinds.Rlvr, "rlvr", JobPhase.WaitingForDependency);
        waiting.FindCondition("DependenciesReady")!.Message.ShouldContain("SftJob/sft");
        await op.WaitForPhaseAsync(JobKinds.Eval, "eval", JobPhase.WaitingForDependency);
        (await op.Client.ConfigMaps.TryGetAsync("rlvr-rlvr-config", ns)).ShouldBeNull("nothing runs before the dependency succeeded");
        (await op.Client.Jobs.TryGetAsync("rlvr-rlvr", ns)).ShouldBeNull();

        // SFT runs; the worker's /status feeds progress and the checkpoint.
        await op.WaitForBatchJobAsync("sft-sft");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Pending);
        op.Workers.ByIp["10.0.0.1"] = new WorkerStatus
        {
            Job = "sft",
            Kind = "SftJob",
            Phase = "Running",
            Progress = new WorkerProgress { Step = 4, TotalSteps = 10, Eta = "1m0s", Metrics = new() { ["loss"] = 1.25 } },
            Checkpoint = new WorkerCheckpoint { Uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 4), Step = 4 },
        };
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.0.0.1");
        JobStatus running = new();
        await Eventually.TrueAsync(async () => (running = await op.StatusAsync(JobKinds.Sft, "sft")).Progress?.Step == 4, "progress from the worker");
        running.Phase.ShouldBe(JobPhase.Running);
        running.Progress!.Percent.ShouldBe(40);
        running.Progress.Metrics!["loss"].ShouldBe(1.25);
        running.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 4));
        running.StartTime.ShouldNotBeNull();
        running.IsConditionTrue("Progressing").ShouldBeTrue();
        running.FindCondition("Progressing")!.Message.ShouldBe("step 4/10");

        await op.TerminatePodAsync("sft-a", 0, new { kind = "SftJob", name = "sft", phase = "Succeeded", metrics = new { loss = 0.5 }, checkpoint = new { uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 10), step = 10 }, message = "trained 10 steps" });
        await op.SetBatchStatusAsync("sft-sft", active: 0, succeeded: 1, failed: 0, condition: "Complete");
        var sft = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Succeeded);
        sft.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 10));
        sft.Checkpoint.Step.ShouldBe(10);
        sft.Result!.Metrics!["loss"].ShouldBe(0.5);
        sft.CompletionTime.ShouldNotBeNull();
        sft.IsConditionTrue("Complete").ShouldBeTrue();
        sft.FindCondition("Progressing")!.Status.ShouldBe(ConditionStatus.False);

        // RLVR starts from the SFT checkpoint.
        var config = await WaitForConfigAsync(op, "rlvr-rlvr-config");
        var rendered = JobJson.Deserialize<RlvrJob>(config);
        rendered.Spec.Model.Source.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 10));
        rendered.Spec.Model.FromJob.ShouldBeNull();
        rendered.Status.ShouldBeNull();
        var rlvrJob = await op.WaitForBatchJobAsync("rlvr-rlvr");
        rlvrJob.Spec.Template.Spec.Volumes!.ShouldContain(v => v.Name == "pvc-ckpt");
        rlvrJob.Spec.Template.Spec.Containers[0].VolumeMounts!.ShouldContain(m => m.MountPath == "/mnt/pvc/ckpt");
        (await op.StatusAsync(JobKinds.Eval, "eval")).Phase.ShouldBe(JobPhase.WaitingForDependency, "eval also needs the RLVR job");

        await op.SucceedAsync(JobKinds.Rlvr, "rlvr", "10.0.0.2", WorkerReports.Checkpoint("pvc://ckpt/rlvr", 10), new() { ["reward_mean"] = 0.75 });

        var evalConfig = JobJson.Deserialize<EvalJob>(await WaitForConfigAsync(op, "eval-eval-config"));
        evalConfig.Spec.Models.Select(m => m.Source).ShouldBe(["builtin://tiny", WorkerReports.Checkpoint("pvc://ckpt/sft", 10), WorkerReports.Checkpoint("pvc://ckpt/rlvr", 10)]);
        var table = new List<JsonObject> { new() { ["model"] = "base", ["accuracy"] = 0.1 }, new() { ["model"] = "rlvr", ["accuracy"] = 0.4 } };
        await op.SucceedAsync(JobKinds.Eval, "eval", "10.0.0.3", checkpoint: null, new() { ["accuracy"] = 0.4 }, table);
        var eval = await op.StatusAsync(JobKinds.Eval, "eval");
        eval.Result!.Metrics!["accuracy"].ShouldBe(0.4);
        eval.Result.Table!.Count.ShouldBe(2);
        eval.Result.Table[1]["model"]!.GetValue<string>().ShouldBe("rlvr");

        // Every phase transition is an event.
        await Eventually.TrueAsync(async () =>
        {
            var events = await op.Client.Events.ListAsync(ns);
            var sftReasons = events.Items.Where(e => e.Regarding?.Name == "sft").Select(e => e.Reason).ToList();
            return sftReasons.Contains("Pending") && sftReasons.Contains("Running") && sftReasons.Contains("Succeeded");
        }, "events for Pending, Running and Succeeded");
    }

    [Fact]
    public async Task A_failed_dependency_fails_the_dependent_with_DependencyFailed()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        await op.CreateAsync(JobKinds.Rlvr, "rlvr", Specs.Rlvr("sft"));
        await op.WaitForPhaseAsync(JobKinds.Rlvr, "rlvr", JobPhase.WaitingForDependency);
        await op.WaitForBatchJobAsync("sft-sft");
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.0.1.1");
        await op.TerminatePodAsync("sft-a", 2, new { kind = "SftJob", name = "sft", phase = "Failed", message = "spec.dataset: column 'messages' not found" });
        await op.SetBatchStatusAsync("sft-sft", 0, 0, 1, "Failed", "PodFailurePolicy", "Container worker for pod sft-a failed with exit code 2 matching FailJob rule at index 0");

        var sft = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Failed);
        sft.FindCondition("Failed")!.Reason.ShouldBe("PodFailurePolicy");
        sft.FindCondition("Failed")!.Message.ShouldBe("spec.dataset: column 'messages' not found");
        var rlvr = await op.WaitForPhaseAsync(JobKinds.Rlvr, "rlvr", JobPhase.Failed);
        rlvr.FindCondition("Failed")!.Reason.ShouldBe("DependencyFailed");
        rlvr.FindCondition("Failed")!.Message.ShouldContain("SftJob/sft failed");
        (await op.Client.Jobs.TryGetAsync("rlvr-rlvr", ns)).ShouldBeNull();
    }

    private static async Task<string> WaitForConfigAsync(OperatorHarness op, string name)
    {
        string? json = null;
        try
        {
            await Eventually.TrueAsync(async () => (json = (await op.Client.ConfigMaps.TryGetAsync(name, op.Namespace))?.Data?["job.json"]) is not null, $"ConfigMap {name}");
        }
        catch (TimeoutException e)
        {
            var statuses = new List<string>();
            foreach (var kind in JobKinds.All)
            {
                foreach (var job in (await op.Jobs(kind).ListAsync(op.Namespace)).Items)
                {
                    statuses.Add($"{kind.Kind}/{job.Metadata.Name}: {job.Status?.ToJsonString()}");
                }
            }

            throw new TimeoutException(e.Message + "\n" + string.Join("\n", statuses), e);
        }

        return json!;
    }
}
