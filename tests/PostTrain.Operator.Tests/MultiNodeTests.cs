using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Resources;
using JobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Tests;

/// <summary>
/// Multi-node jobs: progress and the result come from rank 0 (the rank that logs, evaluates and saves), but a failure
/// of any rank is surfaced with its rank named.
/// </summary>
public sealed class MultiNodeTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static async Task<OperatorHarness> StartTwoNodeJobAsync(OperatorFixture fixture, string ns, string ip0, string ip1)
    {
        var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["resources"] = Specs.Parse("""{"gpus": 8, "nodes": 2}""");
        await op.CreateAsync(JobKinds.Sft, "dist", spec);
        await op.WaitForBatchJobAsync("dist-sft");
        op.Workers.ByIp[ip0] = new WorkerStatus { Progress = new WorkerProgress { Step = 3, TotalSteps = 10 } };
        op.Workers.ByIp[ip1] = new WorkerStatus { Progress = new WorkerProgress { Step = 7, TotalSteps = 10 } };
        await op.StartPodAsync(JobKinds.Sft, "dist", "dist-sft-1-a", ip1, index: 1);
        await op.StartPodAsync(JobKinds.Sft, "dist", "dist-sft-0-a", ip0, index: 0);
        return op;
    }

    [Fact]
    public async Task A_failure_of_rank_1_is_surfaced_with_its_rank_while_retrying_and_when_the_job_fails()
    {
        var ns = fixture.NewNamespace();
        await using var op = await StartTwoNodeJobAsync(fixture, ns, "10.8.0.1", "10.8.0.2");
        JobStatus status = new();
        await Eventually.TrueAsync(async () => (status = await op.StatusAsync(JobKinds.Sft, "dist")).Progress?.Step == 3, "progress from rank 0");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "dist"); // it polls the workers again
        (await op.StatusAsync(JobKinds.Sft, "dist")).Progress!.Step.ShouldBe(3, "rank 1's /status is not the job's progress");

        await op.TerminatePodAsync("dist-sft-1-a", 1, new { kind = "SftJob", name = "dist", phase = "Failed", message = "NCCL error: unhandled system error" });
        await op.SetBatchStatusAsync("dist-sft", active: 1, succeeded: 0, failed: 1);
        await Eventually.TrueAsync(
            async () => (status = await op.StatusAsync(JobKinds.Sft, "dist")).FindCondition("Progressing")?.Message is { } m
                && m.Contains("rank 1 (pod dist-sft-1-a) failed with exit code 1: NCCL error: unhandled system error", StringComparison.Ordinal)
                && m.Contains("1 failed pod(s), retrying", StringComparison.Ordinal),
            "the running job names the failed rank");
        status.Phase.ShouldBe(JobPhase.Running);
        await Eventually.TrueAsync(
            async () => (await op.Client.Events.ListAsync(ns)).Items.Any(e => e.Reason == "WorkerFailed" && e.Type == "Warning" && e.Note!.Contains("rank 1 (pod dist-sft-1-a)")),
            "a Warning event names the failed rank");

        // Rank 0 fails after it (c10d notices the lost peer); the job fails and the message leads with rank 1.
        await op.TerminatePodAsync("dist-sft-0-a", 1, new { kind = "SftJob", name = "dist", phase = "Failed", message = "c10d: connection to rank 1 lost" });
        await op.SetBatchStatusAsync("dist-sft", 0, 0, 2, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        status = await op.WaitForPhaseAsync(JobKinds.Sft, "dist", JobPhase.Failed);
        var failed = status.FindCondition("Failed")!;
        failed.Reason.ShouldBe("BackoffLimitExceeded");
        failed.Message.ShouldStartWith("2 ranks failed, first rank 1 (pod dist-sft-1-a) failed with exit code 1: NCCL error: unhandled system error");
        failed.Message.ShouldContain("rank 0 (pod dist-sft-0-a) failed with exit code 1: c10d: connection to rank 1 lost");
    }

    [Fact]
    public async Task The_result_of_a_multi_node_job_is_rank_0s()
    {
        var ns = fixture.NewNamespace();
        await using var op = await StartTwoNodeJobAsync(fixture, ns, "10.8.1.1", "10.8.1.2");
        await op.WaitForPhaseAsync(JobKinds.Sft, "dist", JobPhase.Running);
        var rank1 = await op.TerminatePodAsync("dist-sft-1-a", 0, new { kind = "SftJob", name = "dist", phase = "Succeeded", metrics = new { loss = 9.0 }, message = "rank 1 done" });
        var complete = await op.SetBatchStatusAsync("dist-sft", active: 1, succeeded: 1, failed: 0, condition: "Complete");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "dist", changed: [rank1, complete]);
        (await op.StatusAsync(JobKinds.Sft, "dist")).Phase.ShouldBe(JobPhase.Running, "Succeeded waits for rank 0's result, not any rank's");

        await op.TerminatePodAsync("dist-sft-0-a", 0, new { kind = "SftJob", name = "dist", phase = "Succeeded", metrics = new { loss = 0.5 }, checkpoint = new { uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 10), step = 10 }, message = "rank 0 done" });
        var status = await op.WaitForPhaseAsync(JobKinds.Sft, "dist", JobPhase.Succeeded);
        status.Result!.Metrics!["loss"].ShouldBe(0.5);
        status.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 10));
        status.FindCondition("Complete")!.Message.ShouldBe("rank 0 done");
    }
}
