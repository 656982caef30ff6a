using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using JobStatus = PostTrain.Api.Status.JobStatus;

namespace PostTrain.Operator.Tests;

/// <summary>Retries, preemption, suspend, TTL, invalid specs, restarts and cascading deletion.</summary>
public sealed class LifecycleTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    [Fact]
    public async Task A_failed_pod_is_retried_by_the_same_job_and_config_then_backoff_exhaustion_fails_the_job()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        var batch = await op.WaitForBatchJobAsync("sft-sft");
        var config = await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns);
        config.Data!["job.json"].ShouldContain("\"resume\": \"auto\"");

        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.1.0.1");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);
        await op.TerminatePodAsync("sft-a", 1, new { kind = "SftJob", name = "sft", phase = "Failed", checkpoint = new { uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 3), step = 3 }, message = "CUDA error: an illegal memory access" });
        await op.SetBatchStatusAsync("sft-sft", active: 0, succeeded: 0, failed: 1);
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-b", "10.1.0.2");

        JobStatus status = new();
        await Eventually.TrueAsync(async () => (status = await op.StatusAsync(JobKinds.Sft, "sft")).FindCondition("Progressing")?.Message.Contains("retrying") == true, "the retry shows in the condition");
        status.Phase.ShouldBe(JobPhase.Running);
        status.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 3), "the failed attempt's checkpoint is where the retry resumes");
        var after = await op.Client.Jobs.GetAsync("sft-sft", ns);
        after.Metadata.Uid.ShouldBe(batch.Metadata.Uid, "the retry runs in the same Job (same command, same job.json, resume auto)");
        (await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"].ShouldBe(config.Data["job.json"]);

        await op.TerminatePodAsync("sft-b", 1, new { kind = "SftJob", name = "sft", phase = "Failed", message = "CUDA error again" });
        await op.SetBatchStatusAsync("sft-sft", 0, 0, 4, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Failed);
        status.FindCondition("Failed")!.Reason.ShouldBe("BackoffLimitExceeded");
        status.FindCondition("Failed")!.Message.ShouldBe("CUDA error again");
        status.CompletionTime.ShouldNotBeNull();
        (await op.Client.Jobs.ListAsync(ns)).Items.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_preempted_pod_is_not_a_failure_and_its_checkpoint_is_kept()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        var batch = await op.WaitForBatchJobAsync("sft-sft");
        var rules = KubeJson.ToNode(batch.Spec.PodFailurePolicy)!["rules"]!.AsArray();
        rules.ShouldContain(r => r!["action"]!.GetValue<string>() == "Ignore" && r["onExitCodes"] != null && r["onExitCodes"]!["values"]![0]!.GetValue<int>() == 143);
        rules.ShouldContain(r => r!["action"]!.GetValue<string>() == "Ignore" && r["onPodConditions"] != null && r["onPodConditions"]![0]!["type"]!.GetValue<string>() == "DisruptionTarget");

        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.2.0.1");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);
        var disruption = new JsonArray { new JsonObject { ["type"] = "DisruptionTarget", ["status"] = "True", ["reason"] = "PreemptionByScheduler" } };
        await op.TerminatePodAsync("sft-a", 143, new { kind = "SftJob", name = "sft", phase = "Preempted", checkpoint = new { uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 7), step = 7 }, message = "preempted; saved step 7" }, disruption);
        // Ignore rule: the Job controller does not count the pod and starts a replacement.
        await op.SetBatchStatusAsync("sft-sft", active: 0, succeeded: 0, failed: 0);
        JobStatus status = new();
        await Eventually.TrueAsync(async () => (status = await op.StatusAsync(JobKinds.Sft, "sft")).Checkpoint?.Step == 7, "the preempted pod's checkpoint is recorded");
        status.Phase.ShouldNotBe(JobPhase.Failed);
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-b", "10.2.0.2");
        status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);
        status.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 7));
        status.FindCondition("Progressing")!.Message.ShouldNotContain("retrying");
    }

    [Fact]
    public async Task Suspend_follows_the_spec_and_scheduling_can_change_while_suspended()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["suspend"] = true;
        spec["scheduling"] = Specs.Parse("""{"nodeSelector": {"pool": "a"}}""");
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        var batch = await op.WaitForBatchJobAsync("sft-sft");
        batch.Spec.Suspend.ShouldBe(true);
        var status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Suspended);
        status.IsConditionTrue("Suspended").ShouldBeTrue();

        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["scheduling"] = Specs.Parse("""{"nodeSelector": {"pool": "b"}, "tolerations": [{"key": "spot", "operator": "Exists"}]}"""), ns);
        await Eventually.TrueAsync(async () => (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Template.Spec.NodeSelector?["pool"] == "b", "scheduling follows while suspended");
        KubeJson.ToNode((await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Template.Spec.Tolerations![0])!["key"]!.GetValue<string>().ShouldBe("spot");

        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["suspend"] = false, ns);
        await Eventually.TrueAsync(async () => (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Suspend == false, "resume unsuspends the Job");
        status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Pending);
        status.FindCondition("Suspended")!.Status.ShouldBe(ConditionStatus.False);

        await op.Jobs(JobKinds.Sft).UpdateAsync("sft", r => r.Spec!["suspend"] = true, ns);
        await Eventually.TrueAsync(async () => (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Suspend == true, "suspending again suspends the Job");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Suspended);
        (await op.Client.Jobs.GetAsync("sft-sft", ns)).Metadata.Uid.ShouldBe(batch.Metadata.Uid);
    }

    [Fact]
    public async Task A_queued_job_leaves_unsuspending_to_kueue()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["scheduling"] = Specs.Parse("""{"queueName": "team-a"}""");
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        var batch = await op.WaitForBatchJobAsync("sft-sft");
        batch.Metadata.Labels![ChildNames.QueueLabel].ShouldBe("team-a");
        // Kueue's webhook suspends queued Jobs; the operator must not undo that.
        await op.Client.Jobs.UpdateAsync("sft-sft", j => j.Spec.Suspend = true, ns);
        var status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Suspended);
        status.FindCondition("Suspended")!.Message.ShouldContain("team-a");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "sft");
        (await op.Client.Jobs.GetAsync("sft-sft", ns)).Spec.Suspend.ShouldBe(true);
    }

    [Fact]
    public async Task Ttl_deletes_a_finished_job_once_and_nothing_is_recreated()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        // 2 s: completionTime has whole-second precision, so the deletion may come up to a second early.
        spec["ttlSecondsAfterFinished"] = 2;
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        await op.SucceedAsync(JobKinds.Sft, "sft", "10.3.0.1", WorkerReports.Checkpoint("pvc://ckpt/sft", 10));

        await Eventually.TrueAsync(async () => await op.Jobs(JobKinds.Sft).TryGetAsync("sft", ns) is null, "the TTL deletes the job", seconds: 8);
        await Eventually.TrueAsync(async () => await op.Client.ConfigMaps.TryGetAsync("sft-sft-config", ns) is null && await op.Client.Jobs.TryGetAsync("sft-sft", ns) is null, "children go with it");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "sft", deleted: true);
        (await op.Jobs(JobKinds.Sft).TryGetAsync("sft", ns)).ShouldBeNull();
        (await op.Client.ConfigMaps.TryGetAsync("sft-sft-config", ns)).ShouldBeNull("a deleted job is not recreated");
        (await op.Client.Jobs.TryGetAsync("sft-sft", ns)).ShouldBeNull();
        fixture.Server.Requests.Count(r => r.Method == "DELETE" && r.Path.EndsWith($"/namespaces/{ns}/sftjobs/sft", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task Invalid_specs_fail_with_InvalidSpec_naming_the_field_and_create_nothing()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);

        // What the CRD's schema and rules catch, the API server refuses outright, naming the field.
        var zeroRate = Specs.Sft();
        zeroRate["training"]!["learningRate"] = 0;
        (await Should.ThrowAsync<KubernetesApiException>(() => op.CreateAsync(JobKinds.Sft, "zero-rate", zeroRate))).Message.ShouldContain("spec.training.learningRate: Invalid value: 0");
        var wrongType = Specs.Sft();
        wrongType["training"]!["batchSize"] = "lots";
        (await Should.ThrowAsync<KubernetesApiException>(() => op.CreateAsync(JobKinds.Sft, "wrong-type", wrongType))).Message.ShouldContain("spec.training.batchSize");
        var bothSources = Specs.Sft();
        bothSources["model"]!["fromJob"] = new JsonObject { ["kind"] = "SftJob", ["name"] = "other" };
        (await Should.ThrowAsync<KubernetesApiException>(() => op.CreateAsync(JobKinds.Sft, "both-sources", bothSources))).Message.ShouldContain("exactly one of source or fromJob must be set");

        // What only the operator knows (sizes across fields, names that must not repeat), it fails itself.
        var indivisible = Specs.Sft();
        indivisible["training"]!["microBatchSize"] = 3;
        await op.CreateAsync(JobKinds.Sft, "indivisible", indivisible);
        var twice = Specs.Sft();
        twice["env"] = new JsonArray(new JsonObject { ["name"] = "A", ["value"] = "1" }, new JsonObject { ["name"] = "A", ["value"] = "2" });
        await op.CreateAsync(JobKinds.Sft, "twice", twice);

        var status = await op.WaitForPhaseAsync(JobKinds.Sft, "indivisible", JobPhase.Failed);
        status.FindCondition("Failed")!.Reason.ShouldBe("InvalidSpec");
        status.FindCondition("Failed")!.Message.ShouldContain("spec.training.microBatchSize");
        status = await op.WaitForPhaseAsync(JobKinds.Sft, "twice", JobPhase.Failed);
        status.FindCondition("Failed")!.Reason.ShouldBe("InvalidSpec");
        status.FindCondition("Failed")!.Message.ShouldContain("spec.env[1].name");

        (await op.Client.ConfigMaps.ListAsync(ns)).Items.ShouldBeEmpty();
        (await op.Client.Jobs.ListAsync(ns)).Items.ShouldBeEmpty();
        var events = await op.Client.Events.ListAsync(ns);
        events.Items.ShouldContain(e => e.Reason == "InvalidSpec" && e.Type == "Warning");

        // Fixing the spec starts over.
        await op.Jobs(JobKinds.Sft).UpdateAsync("indivisible", r => r.Spec!["training"]!["microBatchSize"] = 2, ns);
        await op.WaitForBatchJobAsync("indivisible-sft");
        await op.WaitForPhaseAsync(JobKinds.Sft, "indivisible", JobPhase.Pending);
    }

    [Fact]
    public async Task An_operator_restart_mid_job_creates_no_duplicates_and_keeps_tracking()
    {
        var ns = fixture.NewNamespace();
        var workers = new FakeWorkers();
        var first = OperatorHarness.Start(fixture, ns, workers, "op-a");
        await first.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        var batch = await first.WaitForBatchJobAsync("sft-sft");
        await first.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.4.0.1");
        await first.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);
        await first.DisposeAsync();

        workers.ByIp["10.4.0.1"] = new WorkerStatus { Progress = new WorkerProgress { Step = 6, TotalSteps = 10 } };
        await using var second = OperatorHarness.Start(fixture, ns, workers, "op-b");
        await Eventually.TrueAsync(async () => (await second.StatusAsync(JobKinds.Sft, "sft")).Progress?.Step == 6, "the new operator picks the job up");
        (await second.Client.Jobs.ListAsync(ns)).Items.Single().Metadata.Uid.ShouldBe(batch.Metadata.Uid);
        (await second.Client.ConfigMaps.ListAsync(ns)).Items.Count.ShouldBe(1);
        fixture.Server.Requests.Count(r => r.Method == "POST" && r.Path == $"/apis/batch/v1/namespaces/{ns}/jobs").ShouldBe(1);
    }

    [Fact]
    public async Task Children_named_by_an_earlier_version_are_adopted_not_duplicated()
    {
        var ns = fixture.NewNamespace();
        var owner = await fixture.Client.Resource<JobResource>(JobKinds.Sft).CreateAsync(new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = JobKinds.Sft.Kind, Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = ns }, Spec = Specs.Sft() });
        owner.ApiVersion ??= JobKinds.Sft.ApiVersion;
        owner.Kind ??= JobKinds.Sft.Kind;
        var labels = new Dictionary<string, string> { [ChildNames.KindLabel] = JobKinds.Sft.Kind, [ChildNames.JobLabel] = "sft" };
        var legacyJob = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) },
            Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = ChildNames.WorkerContainer, Image = "example.com/worker:old" }] } } },
        };
        OwnerReferences.SetControllerReference(owner, legacyJob);
        var legacyConfig = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "sft-config", NamespaceProperty = ns, Labels = new Dictionary<string, string>(labels) }, Data = new Dictionary<string, string>() { ["job.json"] = "{}" } };
        OwnerReferences.SetControllerReference(owner, legacyConfig);
        await fixture.Client.Jobs.CreateAsync(legacyJob);
        await fixture.Client.ConfigMaps.CreateAsync(legacyConfig);

        await using var op = OperatorHarness.Start(fixture, ns);
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Pending);
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "sft");
        (await op.Client.Jobs.ListAsync(ns)).Items.Select(j => j.Metadata.Name).ShouldBe(["sft"], "the old Job keeps running; no second one");
        (await op.Client.ConfigMaps.ListAsync(ns)).Items.Select(c => c.Metadata.Name).ShouldBe(["sft-config"]);
    }

    [Fact]
    public async Task A_new_job_costs_four_requests_even_while_the_caches_lag()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns, identity: "op-count");
        const int jobs = 20;
        await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => op.CreateAsync(JobKinds.Sft, $"j{i}", Specs.Sft())));
        for (var i = 0; i < jobs; i++)
        {
            await op.WaitForPhaseAsync(JobKinds.Sft, $"j{i}", JobPhase.Pending);
        }

        // Each job is reconciled once more against the final state (a test annotation, no operator request) and waited
        // for, so requests still in flight are counted and a steady state that keeps writing would show up here.
        for (var i = 0; i < jobs; i++)
        {
            await op.ReconcileOnceMoreAsync(JobKinds.Sft, $"j{i}");
        }

        var requests = fixture.Server.Requests
            .Where(r => r.UserAgent == "posttrain-operator/op-count" && r.Path.Contains($"/namespaces/{ns}/", StringComparison.Ordinal) && r.Verb is not ("list" or "watch"))
            .GroupBy(r => $"{r.Verb} {r.Resource}")
            .ToDictionary(g => g.Key, g => g.Count());
        requests.ShouldBe(
            new Dictionary<string, int>
            {
                ["create configmaps"] = jobs,
                ["create jobs.batch"] = jobs,
                ["update sftjobs.posttrain.dev/status"] = jobs,
                ["create events.events.k8s.io"] = jobs,
            },
            ignoreOrder: true);
    }

    [Fact]
    public async Task Success_waits_for_the_pods_result_when_the_job_completes_first()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        await op.CreateAsync(JobKinds.Sft, "sft", Specs.Sft());
        await op.WaitForBatchJobAsync("sft-sft");
        await op.StartPodAsync(JobKinds.Sft, "sft", "sft-a", "10.5.0.1");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Running);
        var complete = await op.SetBatchStatusAsync("sft-sft", active: 0, succeeded: 1, failed: 0, condition: "Complete");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "sft", changed: [complete]);
        (await op.StatusAsync(JobKinds.Sft, "sft")).Phase.ShouldBe(JobPhase.Running, "Succeeded is final: not recorded before the result with the checkpoint is seen");

        await op.TerminatePodAsync("sft-a", 0, new { kind = "SftJob", name = "sft", phase = "Succeeded", checkpoint = new { uri = WorkerReports.Checkpoint("pvc://ckpt/sft", 10), step = 10 } });
        var status = await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Succeeded);
        status.Checkpoint!.Uri.ShouldBe(WorkerReports.Checkpoint("pvc://ckpt/sft", 10));
    }

    [Fact]
    public async Task Only_the_watched_namespaces_are_reconciled()
    {
        var first = fixture.NewNamespace();
        var second = fixture.NewNamespace();
        var ignored = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, first, alsoWatch: [second]);
        foreach (var ns in new[] { first, second, ignored })
        {
            await op.Jobs(JobKinds.Sft).CreateAsync(new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = JobKinds.Sft.Kind, Metadata = new V1ObjectMeta { Name = "sft", NamespaceProperty = ns }, Spec = Specs.Sft() });
        }

        await Eventually.TrueAsync(async () => await op.Client.Jobs.TryGetAsync("sft-sft", first) is not null && await op.Client.Jobs.TryGetAsync("sft-sft", second) is not null, "both watched namespaces are reconciled");
        op.Setup.Controllers.Select(c => c.Name).ShouldContain($"sftjobs/{second}");

        // No wait: nothing watches the third namespace, so no later moment could show more than now does.
        op.Setup.Controllers.ShouldNotContain(c => c.Primary.Options.Namespace == ignored);
        (await op.Client.Jobs.TryGetAsync("sft-sft", ignored)).ShouldBeNull();
        (await op.Jobs(JobKinds.Sft).GetAsync("sft", ignored)).Status.ShouldBeNull();
    }

    [Fact]
    public async Task A_config_map_deleted_by_hand_is_created_again_with_the_service()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["resources"] = Specs.Parse("""{"gpus": 1, "nodes": 2}""");
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        var batch = await op.WaitForBatchJobAsync("sft-sft");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Pending);
        var json = (await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"];

        // Services are not watched: a missing ConfigMap (watched) brings the reconcile that creates both.
        await op.Client.Services.DeleteAsync("sft-sft-workers", ns);
        await op.Client.ConfigMaps.DeleteAsync("sft-sft-config", ns);
        // 30 s: on a loaded CI machine a reconcile that fails (a write racing the caches) waits out its backoff first.
        await Eventually.TrueAsync(async () => await op.Client.ConfigMaps.TryGetAsync("sft-sft-config", ns) is not null && await op.Client.Services.TryGetAsync("sft-sft-workers", ns) is not null, "both are created again", seconds: 30);
        (await op.Client.ConfigMaps.GetAsync("sft-sft-config", ns)).Data!["job.json"].ShouldBe(json);
        (await op.Client.Jobs.ListAsync(ns)).Items.Single().Metadata.Uid.ShouldBe(batch.Metadata.Uid, "the batch Job is kept");
    }

    [Fact]
    public async Task Deleting_a_job_removes_its_children()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = Specs.Sft();
        spec["resources"] = Specs.Parse("""{"gpus": 1, "nodes": 2}""");
        await op.CreateAsync(JobKinds.Sft, "sft", spec);
        await op.WaitForBatchJobAsync("sft-sft");
        await Eventually.TrueAsync(async () => await op.Client.Services.TryGetAsync("sft-sft-workers", ns) is not null, "headless service");
        await op.WaitForPhaseAsync(JobKinds.Sft, "sft", JobPhase.Pending);

        await op.Jobs(JobKinds.Sft).DeleteAsync("sft", ns, new DeleteOptions { PropagationPolicy = PropagationPolicy.Background });
        await Eventually.TrueAsync(
            async () => await op.Client.Jobs.TryGetAsync("sft-sft", ns) is null && await op.Client.ConfigMaps.TryGetAsync("sft-sft-config", ns) is null && await op.Client.Services.TryGetAsync("sft-sft-workers", ns) is null,
            "children are garbage collected");
        await op.ReconcileOnceMoreAsync(JobKinds.Sft, "sft", deleted: true);
        (await op.Client.Jobs.ListAsync(ns)).Items.ShouldBeEmpty();
        (await op.Client.ConfigMaps.ListAsync(ns)).Items.ShouldBeEmpty();
    }
}
