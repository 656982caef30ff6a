using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.EndToEnd.Tests;

/// <summary>
/// What happens to a running job in the cluster, with real workers: several nodes over Gloo, a pod sent SIGTERM, the
/// operator restarted, suspend and resume, and the TTL after it finished.
/// </summary>
[Collection(ClusterDefinition.Name)]
public sealed class LifecycleTests(ClusterFixture cluster)
{
    private static readonly string BatchJob = ChildNames.BatchJob("sft", JobKinds.Sft.Kind);

    [Fact]
    public async Task A_two_node_SftJob_trains_over_Gloo_in_two_pods_and_reports_rank_0s_checkpoint()
    {
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "out");
        await using var op = await cluster.StartOperatorAsync(ns);
        // Another test project's job may hold the default c10d port on this machine; the spec's env wins over the operator's.
        var port = TestPorts.Free().ToString(CultureInfo.InvariantCulture);
        await cluster.ApplyAsync(ns, Jobs.Sft("sft", "out", 20).Replace("resources: {gpus: 0}", $"resources: {{gpus: 0, nodes: 2}}\n  env: [{{name: MASTER_PORT, value: '{port}'}}]", StringComparison.Ordinal)
            .Replace("microBatchSize: 4", "microBatchSize: 2", StringComparison.Ordinal));

        var status = await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Succeeded);

        status.Checkpoint!.Uri.ShouldBe("pvc://out/sft/checkpoint-000020");
        var pods = (await cluster.JobPodsAsync(ns, BatchJob)).OrderBy(p => p.Metadata.Annotations![ChildNames.CompletionIndexAnnotation], StringComparer.Ordinal).ToList();
        pods.Count.ShouldBe(2);
        pods.ShouldAllBe(p => p.Status!.Phase == "Succeeded");
        (await cluster.TryLogAsync(ns, pods[0].Metadata.Name!)).ShouldNotBeNull().ShouldContain("rank 0 of 2");
        (await cluster.TryLogAsync(ns, pods[1].Metadata.Name!)).ShouldNotBeNull().ShouldContain("rank 1 of 2");
        (await cluster.Client.Services.TryGetAsync(ChildNames.HeadlessService("sft", JobKinds.Sft.Kind), ns)).ShouldNotBeNull();
        Directory.Exists(Path.Combine(cluster.ClaimDirectory(ns, "out"), "sft", "checkpoint-000020")).ShouldBeTrue();
    }

    [Fact]
    public async Task A_pod_sent_SIGTERM_mid_training_is_replaced_resumes_from_its_checkpoint_and_is_not_counted_as_a_failure()
    {
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "out");
        await using var op = await cluster.StartOperatorAsync(ns);
        await cluster.ApplyAsync(ns, Jobs.Sft("sft", "out", 500));
        var first = await RunningPodWithCheckpointAsync(ns);

        // kubectl delete pod: SIGTERM, then the grace period; the worker saves the step it is on and exits 143.
        await cluster.Client.Pods.DeleteAsync(first.Metadata.Name!, ns);

        var status = await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Succeeded);
        status.Checkpoint!.Uri.ShouldBe("pvc://out/sft/checkpoint-000500");
        var pods = await cluster.JobPodsAsync(ns, BatchJob);
        var replacement = pods.ShouldHaveSingleItem("the deleted pod is gone and one replacement ran");
        replacement.Metadata.Name.ShouldNotBe(first.Metadata.Name);
        var log = await cluster.TryLogAsync(ns, replacement.Metadata.Name!);
        log.ShouldNotBeNull().ShouldMatch(@"resumed from \S*checkpoint-0*(\d+) at step \d+");
        var job = await cluster.Client.Jobs.GetAsync(BatchJob, ns);
        (job.Status!.Failed ?? 0).ShouldBe(0, "exit 143 after a checkpoint is ignored by the pod failure policy");
        job.Status.Succeeded.ShouldBe(1);
        var result = WorkerJson.TryReadResult(File.ReadAllText(Path.Combine(cluster.ClaimDirectory(ns, "out"), "sft", "result.json"))).ShouldNotBeNull();
        result.Metrics!["steps"].ShouldBe(500);
    }

    [Fact]
    public async Task An_operator_killed_and_restarted_mid_job_adopts_its_children_and_creates_no_duplicate()
    {
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "out");
        var op = await cluster.StartOperatorAsync(ns);
        await cluster.ApplyAsync(ns, Jobs.Sft("sft", "out", 300));
        var pod = await RunningPodWithCheckpointAsync(ns);
        var job = await cluster.Client.Jobs.GetAsync(BatchJob, ns);
        var config = await cluster.Client.ConfigMaps.GetAsync(ChildNames.ConfigMap("sft", JobKinds.Sft.Kind), ns);
        await op.DisposeAsync();

        await using var second = await cluster.StartOperatorAsync(ns);
        var status = await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Succeeded);

        status.Checkpoint!.Uri.ShouldBe("pvc://out/sft/checkpoint-000300");
        (await cluster.Client.Jobs.ListAsync(ns)).Items.ShouldHaveSingleItem().Metadata.Uid.ShouldBe(job.Metadata.Uid);
        (await cluster.Client.ConfigMaps.ListAsync(ns)).Items.Where(c => c.Metadata.Name!.StartsWith("sft-", StringComparison.Ordinal)).ShouldHaveSingleItem().Metadata.Uid.ShouldBe(config.Metadata.Uid);
        (await cluster.JobPodsAsync(ns, BatchJob)).ShouldHaveSingleItem().Metadata.Uid.ShouldBe(pod.Metadata.Uid, "the worker trained on undisturbed");
    }

    [Fact]
    public async Task Suspending_a_running_job_stops_its_pod_after_a_checkpoint_and_resuming_continues_from_it()
    {
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "out");
        await using var op = await cluster.StartOperatorAsync(ns);
        await cluster.ApplyAsync(ns, Jobs.Sft("sft", "out", 500));
        var first = await RunningPodWithCheckpointAsync(ns);

        await SetSuspendAsync(ns, true);
        await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Suspended, seconds: 60);
        await cluster.BatchJobAsync(ns, BatchJob, j => j.Spec.Suspend == true && (j.Status?.Active ?? 0) == 0, "suspended with no active pod");
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, BatchJob), pods => pods.Count == 0, "the suspended Job's pod is gone");
        var saved = Directory.GetDirectories(Path.Combine(cluster.ClaimDirectory(ns, "out"), "sft"), "checkpoint-*").ShouldHaveSingleItem();

        await SetSuspendAsync(ns, false);
        var status = await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Succeeded);

        status.Checkpoint!.Uri.ShouldBe("pvc://out/sft/checkpoint-000500");
        var resumed = (await cluster.JobPodsAsync(ns, BatchJob)).ShouldHaveSingleItem();
        resumed.Metadata.Name.ShouldNotBe(first.Metadata.Name);
        var step = int.Parse(Path.GetFileName(saved)["checkpoint-".Length..], CultureInfo.InvariantCulture);
        (await cluster.TryLogAsync(ns, resumed.Metadata.Name!)).ShouldNotBeNull().ShouldContain($"at step {step}");
        ((await cluster.Client.Jobs.GetAsync(BatchJob, ns)).Status!.Failed ?? 0).ShouldBe(0);
    }

    [Fact]
    public async Task A_suspended_job_starts_no_pod_until_resumed_and_a_finished_job_is_deleted_after_its_TTL_with_its_children()
    {
        var ns = cluster.NewNamespace();
        await cluster.CreateClaimAsync(ns, "out");
        await using var op = await cluster.StartOperatorAsync(ns);
        await cluster.ApplyAsync(ns, Jobs.Sft("sft", "out", 10, "  suspend: true\n  ttlSecondsAfterFinished: 2"));

        await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Suspended, seconds: 60);
        (await cluster.Client.Jobs.GetAsync(BatchJob, ns)).Spec.Suspend.ShouldBe(true);
        // Kept on the wall clock: the pods would come from the node agent's Job controller and kubelet, separate
        // processes this test has no event from, so the only evidence that none starts is time passing without one.
        await Task.Delay(TimeSpan.FromSeconds(2));
        (await cluster.JobPodsAsync(ns, BatchJob)).ShouldBeEmpty();

        await SetSuspendAsync(ns, false);
        var status = await cluster.WaitForPhaseAsync(JobKinds.Sft, ns, "sft", JobPhase.Succeeded);

        // The TTL deletes the SftJob; garbage collection takes its batch Job, pods and ConfigMap. The claim keeps the checkpoint.
        await Poll.UntilAsync(() => cluster.Client.Resource<JobResource>(JobKinds.Sft).TryGetAsync("sft", ns), j => j is null, "the SftJob is deleted after its TTL", 60);
        (DateTimeOffset.UtcNow - status.CompletionTime!.Value).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(999), "not before its TTL (completionTime has whole seconds)");
        await Poll.UntilAsync(() => cluster.Client.Jobs.TryGetAsync(BatchJob, ns), j => j is null, "the batch Job is collected");
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, BatchJob), p => p.Count == 0, "its pods are collected");
        Directory.Exists(Path.Combine(cluster.ClaimDirectory(ns, "out"), "sft", "checkpoint-000010")).ShouldBeTrue();
    }

    /// <summary>Waits until the job's one pod runs and has written its first checkpoint (so it trains).</summary>
    private async Task<V1Pod> RunningPodWithCheckpointAsync(string ns)
    {
        var output = Path.Combine(cluster.ClaimDirectory(ns, "out"), "sft");
        await Poll.UntilAsync(
            () => Task.FromResult(Directory.Exists(output) && Directory.GetDirectories(output, "checkpoint-*").Length > 0),
            found => found,
            "the worker writes its first checkpoint",
            120);
        return (await cluster.JobPodsAsync(ns, BatchJob)).ShouldHaveSingleItem();
    }

    private Task SetSuspendAsync(string ns, bool suspend) =>
        cluster.Client.Resource<JobResource>(JobKinds.Sft).UpdateAsync("sft", j => j.Spec!["suspend"] = JsonValue.Create(suspend), ns);
}
