using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Kube.Models;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using JobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Tests;

/// <summary>
/// Spec edits after the children exist: scheduling follows while the batch Job is suspended (as Kubernetes and Kueue
/// allow), limits follow always, everything else is reported as SpecChangeIgnored rather than silently diverging.
/// </summary>
public sealed class SpecChangeTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static async Task<JobStatus> WaitForSpecAppliedAsync(OperatorHarness op, string name, ConditionStatus state, string why)
    {
        JobStatus status = new();
        await Eventually.TrueAsync(
            async () => (status = await op.StatusAsync(JobKinds.Sft, name)).FindCondition(ConditionTypes.SpecApplied) is { } c
                && c.Status == state && c.ObservedGeneration == status.ObservedGeneration && status.ObservedGeneration == (await op.Jobs(JobKinds.Sft).GetAsync(name, op.Namespace)).Metadata.Generation,
            why);
        return status;
    }

    [Fact]
    public async Task Scheduling_edits_of_a_suspended_job_reach_the_batch_job_and_job_json()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["suspend"] = true;
        spec["scheduling"] = Specs.Parse("""{"nodeSelector": {"pool": "a"}, "queueName": "team-a", "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}}""");
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        await op.WaitForBatchJobAsync("sft-sft");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Suspended);

        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["scheduling"] = Specs.Parse("""
            {"nodeSelector": {"pool": "b"}, "tolerations": [{"key": "spot", "operator": "Exists"}], "queueName": "team-b",
             "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []},
                          "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "gpu", "operator": "In", "values": ["h100"]}]}]}}}}
            """), ns);
        var status = await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.True, "the edit is applied");
        status.FindCondition(ConditionTypes.SpecApplied)!.Reason.ShouldBe("Applied");

        var batch = await op.Client.Jobs.GetAsync("sft-sft", ns);
        var pod = batch.Spec.Template.Spec;
        pod.NodeSelector!["pool"].ShouldBe("b");
        KubeJson.ToNode(pod.Tolerations![0])!["key"]!.GetValue<string>().ShouldBe("spot");
        KubeJson.ToNode(pod.Affinity)!["nodeAffinity"].ShouldNotBeNull();
        KubeJson.ToNode(pod.Affinity)!["podAntiAffinity"].ShouldNotBeNull("the rest of the affinity stays");
        batch.Metadata.Labels![ChildNames.QueueLabel].ShouldBe("team-b");
        var worker = JobJson.Deserialize<SftJob>((await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"]);
        worker.Spec.Scheduling!.NodeSelector!["pool"].ShouldBe("b", "job.json follows the applied spec");
        worker.Spec.Scheduling.QueueName.ShouldBe("team-b");
    }

    [Fact]
    public async Task Edits_that_cannot_reach_a_started_job_are_reported_and_scheduling_follows_once_it_is_suspended()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        var created = await op.WaitForBatchJobAsync("sft-sft");
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.7.0.1");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);

        // Always mutable: backoffLimit and activeDeadlineSeconds reach the running batch Job.
        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r =>
        {
            r.Spec!["backoffLimit"] = 9;
            r.Spec["activeDeadlineSeconds"] = 3600;
        }, ns);
        await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.True, "limits are applied while running");
        var batch = await op.Client.Jobs.GetAsync("sft-sft", ns);
        batch.Spec.BackoffLimit.ShouldBe(9);
        batch.Spec.ActiveDeadlineSeconds.ShouldBe(3600);
        var json = (await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"];
        json.ShouldContain("\"backoffLimit\": 9", customMessage: "job.json follows edits that reached the workload");

        // The learning rate, the image and (while running) the node selector cannot reach the workload.
        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r =>
        {
            r.Spec!["training"]!["learningRate"] = 3e-5;
            r.Spec["image"] = "example.com/worker:other";
            r.Spec["scheduling"] = Specs.Parse("""{"nodeSelector": {"pool": "b"}}""");
        }, ns);
        var status = await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.False, "the ignored edit is reported");
        var condition = status.FindCondition(ConditionTypes.SpecApplied)!;
        condition.Reason.ShouldBe("SpecChangeIgnored");
        condition.Message.ShouldContain("spec.training.learningRate");
        condition.Message.ShouldContain("spec.image");
        condition.Message.ShouldContain("spec.scheduling.nodeSelector.pool can change only while the job is suspended");
        status.Phase.ShouldBe(JobPhase.Running, "the job keeps running what it started with");
        var events = await op.Client.Events.ListAsync(ns);
        events.Items.ShouldContain(e => e.Reason == "SpecChangeIgnored" && e.Type == "Warning" && e.Note!.Contains("spec.training.learningRate"));
        batch = await op.Client.Jobs.GetAsync("sft-sft", ns);
        batch.Metadata.Uid.ShouldBe(created.Metadata.Uid);
        batch.Spec.Template.Spec.Containers[0].Image.ShouldBe("example.com/worker:test");
        batch.Spec.Template.Spec.NodeSelector.ShouldBeNull();
        var config = (await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"];
        config.ShouldBe(json, "job.json keeps describing what runs while an edit is ignored");

        // Revert what cannot change, then suspend: the Job controller removes the pods; the operator clears the
        // Job's startTime (as Kueue does) so Kubernetes accepts the new node selector, and job.json follows.
        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r =>
        {
            r.Spec!["training"]!.AsObject().Remove("learningRate");
            r.Spec.Remove("image");
            r.Spec["suspend"] = true;
        }, ns);
        await Eventually.TrueAsync(async () => (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Suspend == true, "the batch Job is suspended");
        await op.Client.Pods.DeleteAsync("sft-a", ns);
        await op.SetBatchStatusAsync("sft-sft", active: 0, succeeded: 0, failed: 0);
        await Eventually.TrueAsync(async () => (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Template.Spec.NodeSelector?.TryGetValue("pool", out var pool) == true && pool == "b", "the node selector follows once suspended");
        status = await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.True, "everything is applied");
        status.Phase.ShouldBe(JobPhase.Suspended);
        JobJson.Deserialize<SftJob>((await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"]).Spec.Scheduling!.NodeSelector!["pool"].ShouldBe("b");
        status.ObservedGeneration.ShouldBe((await op.Jobs(JobKinds.Sft).GetAsync("sft", ns)).Metadata.Generation);
    }

    [Fact]
    public async Task An_invalid_edit_of_a_running_job_is_reported_and_the_workload_keeps_being_tracked()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        op.Workers.ByIp["10.7.1.1"] = new WorkerStatus { Progress = new WorkerProgress { Step = 2, TotalSteps = 10 } };
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        await op.WaitForBatchJobAsync("sft-sft");
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.7.1.1");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);

        // An edit the CRD's schema accepts but the operator does not (microBatchSize must divide batchSize).
        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["training"]!["microBatchSize"] = 3, ns);
        var status = await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.False, "the invalid edit is reported");
        var condition = status.FindCondition(ConditionTypes.SpecApplied)!;
        condition.Reason.ShouldBe("InvalidSpec");
        condition.Message.ShouldContain("spec.training.microBatchSize");
        status.Phase.ShouldBe(JobPhase.Running, "the running workload is not abandoned");

        op.Workers.ByIp["10.7.1.1"] = new WorkerStatus { Progress = new WorkerProgress { Step = 5, TotalSteps = 10 } };
        await Eventually.TrueAsync(async () => (await op.StatusAsync(JobKinds.Sft, "sft")).Progress?.Step == 5, "progress still follows the worker");
        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["training"]!.AsObject().Remove("microBatchSize"), ns);
        await WaitForSpecAppliedAsync(op, "sft", ConditionStatus.True, "the fix is accepted");
    }

    [Fact]
    public void Drift_names_changed_fields_and_when_they_may_change()
    {
        var before = """{"spec": {"suspend": false, "training": {"learningRate": 1e-5}, "scheduling": {"nodeSelector": {"a": "1"}}}}""";
        var after = """
            {"spec": {"suspend": true, "training": {"learningRate": 2e-5}, "image": "x",
                      "scheduling": {"nodeSelector": {"a": "2"}, "affinity": {"nodeAffinity": {}, "podAffinity": {}}}}}
            """;
        var changed = SpecDrift.ChangedFields(before, after);
        changed.ShouldBe(["spec.image", "spec.scheduling.affinity.nodeAffinity", "spec.scheduling.affinity.podAffinity", "spec.scheduling.nodeSelector.a", "spec.suspend", "spec.training.learningRate"], ignoreOrder: true);
        changed.Select(SpecDrift.Mutability).ShouldBe(
            [FieldMutability.Never, FieldMutability.WhileSuspended, FieldMutability.Never, FieldMutability.WhileSuspended, FieldMutability.Always, FieldMutability.Never]);
        SpecDrift.Mutability("spec.backoffLimit").ShouldBe(FieldMutability.Always);
        SpecDrift.Mutability("spec.scheduling.queueName").ShouldBe(FieldMutability.WhileSuspended);
        SpecDrift.Mutability("spec.scheduling.priorityClassName").ShouldBe(FieldMutability.Never);
        SpecDrift.Mutability("spec.suspendedUntil").ShouldBe(FieldMutability.Never, "a prefix must end at a field boundary");
        SpecDrift.ChangedFields(after, after).ShouldBeEmpty();
    }
}
