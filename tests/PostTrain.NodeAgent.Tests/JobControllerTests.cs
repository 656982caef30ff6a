using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>batch/v1 Job semantics, with real pods.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class JobControllerTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_job_whose_pods_keep_failing_fails_with_BackoffLimitExceeded_after_backoffLimit_retries()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.Jobs.CreateAsync(Manifests.Job(ns, "flaky", Manifests.Shell("exit 1"), backoffLimit: 1));

        var job = await cluster.JobConditionAsync(ns, "flaky", "Failed");
        var failed = ClusterFixture.Condition(job, "Failed")!;
        failed.Reason.ShouldBe("BackoffLimitExceeded");
        failed.Message.ShouldBe("Job has reached the specified backoff limit");
        ClusterFixture.Condition(job, "FailureTarget")!.Status.ShouldBe("True");
        job.Status!.Failed.ShouldBe(2);
        job.Status.Active.ShouldBeNull();
        job.Status.CompletionTime.ShouldBeNull();
        var pods = await cluster.JobPodsAsync(ns, "flaky");
        pods.Count.ShouldBe(2);
        pods.ShouldAllBe(p => p.Status!.Phase == "Failed" && p.Metadata.GenerateName == "flaky-");
        pods.ShouldAllBe(p => p.Metadata.OwnerReferences!.Single().Uid == job.Metadata.Uid && p.Metadata.OwnerReferences![0].Controller == true && p.Metadata.OwnerReferences[0].BlockOwnerDeletion == true);
    }

    [Fact]
    public async Task A_FailJob_rule_fails_the_job_at_the_first_matching_exit_code()
    {
        var ns = cluster.NewNamespace();
        var job = Manifests.Job(ns, "invalid", Manifests.Shell("exit 3", "worker"), backoffLimit: 6);
        job.Spec.PodFailurePolicy = Policy();
        await cluster.Client.Jobs.CreateAsync(job);

        var failedJob = await cluster.JobConditionAsync(ns, "invalid", "Failed");
        var failed = ClusterFixture.Condition(failedJob, "Failed")!;
        failed.Reason.ShouldBe("PodFailurePolicy");
        failed.Message.ShouldStartWith("Container worker for pod " + ns + "/invalid-");
        failed.Message.ShouldEndWith("failed with exit code 3 matching FailJob rule at index 0");
        failedJob.Status!.Failed.ShouldBe(1);
        (await cluster.JobPodsAsync(ns, "invalid")).Count.ShouldBe(1, "no retry after FailJob");
    }

    [Fact]
    public async Task An_Ignore_rule_replaces_a_pod_that_exited_143_without_counting_it()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "marks"));
        var container = Manifests.Shell("if [ -e \"$MARKS/preempted\" ]; then exit 0; fi; touch \"$MARKS/preempted\"; exit 143", "worker", ("MARKS", "/marks"));
        container.VolumeMounts = [new V1VolumeMount { Name = "marks", MountPath = "/marks" }];
        var job = Manifests.Job(ns, "preempted", container, backoffLimit: 0);
        job.Spec.PodFailurePolicy = Policy();
        job.Spec.Template.Spec.Volumes = [Manifests.ClaimVolume("marks", "marks")];
        await cluster.Client.Jobs.CreateAsync(job);

        var done = await cluster.JobConditionAsync(ns, "preempted", "Complete");
        done.Status!.Succeeded.ShouldBe(1);
        done.Status.Failed.ShouldBeNull("an ignored failure is not counted (backoffLimit 0 would have failed the job)");
        done.Status.CompletionTime.ShouldNotBeNull();
        ClusterFixture.Condition(done, "SuccessCriteriaMet")!.Status.ShouldBe("True");
        var pods = await cluster.JobPodsAsync(ns, "preempted");
        pods.Select(p => p.Status!.Phase).Order().ShouldBe(["Failed", "Succeeded"]);
        ((int)ClusterFixture.Terminated(pods.Single(p => p.Status!.Phase == "Failed"))["exitCode"]!).ShouldBe(143);
    }

    [Fact]
    public async Task An_indexed_job_runs_one_pod_per_index_with_its_hostname_and_records_completed_indexes()
    {
        var ns = cluster.NewNamespace();
        var job = Manifests.Job(ns, "shards", Manifests.Shell("echo \"$JOB_COMPLETION_INDEX $HOSTNAME\""), completions: 3, parallelism: 2, indexed: true);
        await cluster.Client.Jobs.CreateAsync(job);

        var done = await cluster.JobConditionAsync(ns, "shards", "Complete");
        done.Status!.Succeeded.ShouldBe(3);
        done.Status.CompletedIndexes.ShouldBe("0-2");
        var pods = await cluster.JobPodsAsync(ns, "shards");
        pods.Count.ShouldBe(3);
        foreach (var pod in pods)
        {
            var index = pod.Metadata.Annotations!["batch.kubernetes.io/job-completion-index"];
            pod.Metadata.Labels!["batch.kubernetes.io/job-completion-index"].ShouldBe(index);
            pod.Metadata.GenerateName.ShouldBe($"shards-{index}-");
            pod.Spec.Hostname.ShouldBe($"shards-{index}");
            (await cluster.LogAsync(ns, pod.Metadata.Name!)).ShouldBe($"{index} shards-{index}\n");
        }
    }

    [Fact]
    public async Task Suspending_deletes_the_active_pods_without_counting_them_and_resuming_starts_new_ones()
    {
        var ns = cluster.NewNamespace();
        var go = Path.Combine(cluster.DataDirectory, ns + "-go");
        var job = Manifests.Job(ns, "pausable", Manifests.Shell("while [ ! -e \"$GO\" ]; do sleep 0.05; done", "c", ("GO", go)), backoffLimit: 0);
        job.Spec.Suspend = true;
        await cluster.Client.Jobs.CreateAsync(job);

        var suspended = await cluster.JobConditionAsync(ns, "pausable", "Suspended");
        ClusterFixture.Condition(suspended, "Suspended")!.Reason.ShouldBe("JobSuspended");
        suspended.Status!.StartTime.ShouldBeNull();
        (await cluster.JobPodsAsync(ns, "pausable")).ShouldBeEmpty();

        await Suspend(ns, false);
        var running = await cluster.JobAsync(ns, "pausable", j => j.Status?.Active == 1 && ClusterFixture.Condition(j, "Suspended")?.Status == "False", "resumed with one active pod");
        ClusterFixture.Condition(running, "Suspended")!.Reason.ShouldBe("JobResumed");
        running.Status!.StartTime.ShouldNotBeNull();
        var first = await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "pausable"), p => p.Count == 1 && p[0].Status?.Phase == "Running", "first pod runs");

        await Suspend(ns, true);
        var paused = await cluster.JobAsync(ns, "pausable", j => ClusterFixture.Condition(j, "Suspended")?.Status == "True" && j.Status?.Active is null && j.Status?.Terminating == 0, "suspended again, pods gone");
        paused.Status!.Failed.ShouldBeNull("pods deleted by a suspension are not failures");
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "pausable"), p => p.Count == 0, "the suspended pod is deleted");

        await Suspend(ns, false);
        var resumed = await cluster.JobAsync(ns, "pausable", j => ClusterFixture.Condition(j, "Suspended")?.Status == "False", "resumed again");
        resumed.Status!.StartTime.ShouldNotBeNull();
        resumed.Status.StartTime!.Value.ShouldBeGreaterThanOrEqualTo(running.Status.StartTime!.Value, "resuming resets startTime (activeDeadlineSeconds counts from it)");
        var second = await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "pausable"), p => p.Count == 1 && p[0].Status?.Phase == "Running", "a new pod runs");
        second[0].Metadata.Uid.ShouldNotBe(first[0].Metadata.Uid);
        await File.WriteAllTextAsync(go, "");
        var done = await cluster.JobConditionAsync(ns, "pausable", "Complete");
        done.Status!.Succeeded.ShouldBe(1);
    }

    [Fact]
    public async Task With_podReplacementPolicy_Failed_a_replacement_waits_until_the_deleted_pod_has_ended()
    {
        var ns = cluster.NewNamespace();
        var release = Path.Combine(cluster.DataDirectory, ns + "-release");
        var ready = Path.Combine(cluster.DataDirectory, ns + "-trapped");
        // READY is written once the TERM handler is installed: a pod reported Running may not have reached the trap yet,
        // and a SIGTERM before it would end the pod at once.
        var container = Manifests.Shell(
            "trap 'while [ ! -e \"$RELEASE\" ]; do sleep 0.05; done; exit 1' TERM; : > \"$READY\"; while true; do sleep 0.05; done",
            "c",
            ("RELEASE", release),
            ("READY", ready));
        var job = Manifests.Job(ns, "rendezvous", container, backoffLimit: 3);
        job.Spec.PodReplacementPolicy = "Failed";
        await cluster.Client.Jobs.CreateAsync(job);
        var first = (await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "rendezvous"), p => p.Count == 1 && p[0].Status?.Phase == "Running", "first pod runs"))[0];
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(ready)), exists => exists, "the pod's TERM handler is installed");

        await cluster.Client.Pods.DeleteAsync(first.Metadata.Name!, ns);
        await cluster.JobAsync(ns, "rendezvous", j => j.Status?.Terminating == 1, "the deleted pod is terminating");
        (await cluster.JobPodsAsync(ns, "rendezvous")).Count.ShouldBe(1, "no replacement while the old pod still runs its SIGTERM handler");

        await File.WriteAllTextAsync(release, "");
        var replaced = await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "rendezvous"), p => p.Count == 1 && p[0].Metadata.Uid != first.Metadata.Uid && p[0].Status?.Phase == "Running", "a replacement runs once the old pod is gone");
        replaced[0].Metadata.Name.ShouldNotBe(first.Metadata.Name);
        (await cluster.Client.Jobs.GetAsync("rendezvous", ns)).Status!.Failed.ShouldBe(1);
        await cluster.Client.Jobs.DeleteAsync("rendezvous", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background });
    }

    [Fact]
    public async Task A_pod_force_deleted_before_it_ended_counts_as_failed_and_is_replaced()
    {
        var ns = cluster.NewNamespace();
        var go = Path.Combine(cluster.DataDirectory, ns + "-go");
        await cluster.Client.Jobs.CreateAsync(Manifests.Job(ns, "vanishing", Manifests.Shell("while [ ! -e \"$GO\" ]; do sleep 0.05; done", "c", ("GO", go)), backoffLimit: 2));
        var first = (await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "vanishing"), p => p.Count == 1 && p[0].Status?.Phase == "Running", "first pod runs"))[0];

        await cluster.Client.Pods.DeleteAsync(first.Metadata.Name!, ns, new DeleteOptions { GracePeriodSeconds = 0 });
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "vanishing"), p => p.Count == 1 && p[0].Metadata.Uid != first.Metadata.Uid && p[0].Status?.Phase == "Running", "a replacement runs");
        (await cluster.Client.Jobs.GetAsync("vanishing", ns)).Status!.Failed.ShouldBe(1);

        await File.WriteAllTextAsync(go, "");
        var done = await cluster.JobConditionAsync(ns, "vanishing", "Complete");
        done.Status!.Succeeded.ShouldBe(1);
        done.Status.Failed.ShouldBe(1);
    }

    [Fact]
    public async Task A_job_past_its_active_deadline_fails_with_DeadlineExceeded_and_its_pods_are_stopped()
    {
        var ns = cluster.NewNamespace();
        var job = Manifests.Job(ns, "slow", Manifests.Shell("while true; do sleep 0.05; done"));
        job.Spec.ActiveDeadlineSeconds = 1;
        await cluster.Client.Jobs.CreateAsync(job);

        var failed = await cluster.JobConditionAsync(ns, "slow", "Failed");
        ClusterFixture.Condition(failed, "Failed")!.Reason.ShouldBe("DeadlineExceeded");
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "slow"), p => p.Count == 0, "the running pod is deleted");
        (await cluster.Client.Jobs.GetAsync("slow", ns)).Status!.Failed.ShouldBe(1, "as kube: a pod still running when its Job fails ends as a failure");
    }

    [Fact]
    public async Task A_finished_job_with_ttlSecondsAfterFinished_is_deleted_and_the_garbage_collector_takes_its_pods()
    {
        var ns = cluster.NewNamespace();
        var job = Manifests.Job(ns, "ephemeral", Manifests.Shell("echo done"), completions: 2, parallelism: 2);
        job.Spec.TtlSecondsAfterFinished = 0;
        var created = await cluster.Client.Jobs.CreateAsync(job);

        await Poll.UntilAsync(() => cluster.Client.Jobs.TryGetAsync("ephemeral", ns), j => j is null, "the job is deleted after it finished");
        await Poll.UntilAsync(() => cluster.JobPodsAsync(ns, "ephemeral"), p => p.Count == 0, "its pods are collected");
        // The Completed event is recorded after the status write that lets the TTL controller delete the Job, so it may
        // land after the Job and its pods are gone (Kubernetes' event recorder is asynchronous too).
        var events = await Poll.UntilAsync(
            () => cluster.Client.Events.ListAsync(ns),
            l => l.Items.Any(e => e.Reason == "Completed" && e.Regarding!.Uid == created.Metadata.Uid),
            "the job completed before it was deleted");
        events.Items.Count(e => e.Reason == "Completed").ShouldBe(1);
    }

    private async Task Suspend(string ns, bool suspend) =>
        await cluster.Client.Jobs.PatchAsync("pausable", PatchType.Merge, new JsonObject { ["spec"] = new JsonObject { ["suspend"] = suspend } }, ns);

    /// <summary>The worker's pod failure policy (WorkloadRenderer): FailJob on 2 and 3, Ignore 143 and DisruptionTarget.</summary>
    private static V1PodFailurePolicy Policy() => KubeJson.FromNode<V1PodFailurePolicy>(JsonNode.Parse("""
        {"rules": [
          {"action": "FailJob", "onExitCodes": {"containerName": "worker", "operator": "In", "values": [2, 3]}},
          {"action": "Ignore", "onExitCodes": {"containerName": "worker", "operator": "In", "values": [143]}},
          {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}
        ]}
        """))!;
}
