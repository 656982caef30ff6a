using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Status;
using PostTrain.Kube.Models;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using Condition = PostTrain.Api.Status.Condition;

namespace PostTrain.Operator.Tests;

/// <summary><see cref="DependencyResolver"/> alone: fromJob references resolved against jobs given by a lookup, no cluster.</summary>
public sealed class DependencyResolverTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void A_missing_dependency_is_waited_for()
    {
        var job = Rlvr("sft");

        var resolution = DependencyResolver.Resolve(job, (_, _) => null);

        resolution.Waiting.ShouldBe("waiting for SftJob/sft does not exist yet");
        resolution.Failure.ShouldBeNull();
        resolution.IsResolved.ShouldBeFalse();
        ModelOf(job).FromJob.ShouldNotBeNull();
    }

    [Fact]
    public void An_unfinished_dependency_is_waited_for_with_its_phase()
    {
        DependencyResolver.Resolve(Rlvr("sft"), Finding("SftJob", "sft", new ApiJobStatus { Phase = JobPhase.Running })).Waiting
            .ShouldBe("waiting for SftJob/sft is Running");
        DependencyResolver.Resolve(Rlvr("sft"), Finding("SftJob", "sft", new ApiJobStatus())).Waiting
            .ShouldBe("waiting for SftJob/sft is not started");
    }

    [Fact]
    public void The_lookup_is_asked_for_the_referenced_kind_and_name()
    {
        var asked = new List<(string, string)>();
        DependencyResolver.Resolve(Rlvr("base"), (kind, name) =>
        {
            asked.Add((kind, name));
            return null;
        });

        asked.ShouldBe([("SftJob", "base")]);
    }

    [Fact]
    public void A_succeeded_dependency_becomes_the_model_source()
    {
        var job = Rlvr("sft");
        var status = new ApiJobStatus { Phase = JobPhase.Succeeded, Checkpoint = new CheckpointStatus { Uri = "pvc://ckpt/sft/checkpoint-000010", Step = 10 } };

        var resolution = DependencyResolver.Resolve(job, Finding("SftJob", "sft", status));

        resolution.IsResolved.ShouldBeTrue();
        resolution.Waiting.ShouldBeNull();
        resolution.Failure.ShouldBeNull();
        ModelOf(job).Source.ShouldBe("pvc://ckpt/sft/checkpoint-000010");
        ModelOf(job).FromJob.ShouldBeNull();
    }

    [Fact]
    public void A_failed_dependency_fails_the_job_with_its_reason()
    {
        var status = new ApiJobStatus { Phase = JobPhase.Failed };
        status.SetCondition(new Condition { Type = ConditionTypes.Failed, Status = ConditionStatus.True, Reason = "BackoffLimitExceeded", Message = "rank 0 failed" }, Now);

        var resolution = DependencyResolver.Resolve(Rlvr("sft"), Finding("SftJob", "sft", status));

        resolution.Failure.ShouldBe("SftJob/sft failed (BackoffLimitExceeded: rank 0 failed)");
        resolution.Waiting.ShouldBeNull();
    }

    [Fact]
    public void A_failed_dependency_without_a_condition_still_fails_the_job()
    {
        DependencyResolver.Resolve(Rlvr("sft"), Finding("SftJob", "sft", new ApiJobStatus { Phase = JobPhase.Failed })).Failure
            .ShouldBe("SftJob/sft failed (failed)");
    }

    [Fact]
    public void A_dependency_that_succeeded_without_a_checkpoint_fails_the_job()
    {
        DependencyResolver.Resolve(Rlvr("sft"), Finding("SftJob", "sft", new ApiJobStatus { Phase = JobPhase.Succeeded })).Failure
            .ShouldBe("SftJob/sft succeeded without reporting a checkpoint");
    }

    [Fact]
    public void Every_unfinished_dependency_is_listed_and_a_failure_overrides_them()
    {
        var eval = Eval();
        var waiting = DependencyResolver.Resolve(eval, (kind, name) => name == "sft" ? Resource(new ApiJobStatus { Phase = JobPhase.Pending }) : null);
        waiting.Waiting.ShouldBe("waiting for SftJob/sft is Pending, RlvrJob/rlvr does not exist yet");

        var failed = DependencyResolver.Resolve(Eval(), (kind, name) => name == "sft" ? Resource(new ApiJobStatus { Phase = JobPhase.Pending }) : Resource(new ApiJobStatus { Phase = JobPhase.Failed }));
        failed.Failure.ShouldBe("RlvrJob/rlvr failed (failed)");
        failed.Waiting.ShouldBeNull();
    }

    [Fact]
    public void A_job_without_references_is_resolved()
    {
        var job = Job(JobKinds.Sft, Specs.Sft());
        DependencyResolver.Resolve(job, (_, _) => throw new InvalidOperationException("no lookup expected")).IsResolved.ShouldBeTrue();
    }

    private static PostTrainJob Rlvr(string sft) => Job(JobKinds.Rlvr, Specs.Rlvr(sft));

    private static PostTrainJob Eval() => Job(JobKinds.Eval, Specs.Eval("sft", "rlvr"));

    private static PostTrainJob Job(ResourceDescriptor kind, System.Text.Json.Nodes.JsonObject spec) =>
        new JobResource { ApiVersion = kind.ApiVersion, Kind = kind.Kind, Metadata = new V1ObjectMeta { Name = "job", NamespaceProperty = "ns" }, Spec = spec }.ToJob();

    private static Api.Model.ModelSpec ModelOf(PostTrainJob job) => Rendering.WorkloadRenderer.Models(job).Single();

    private static Func<string, string, JobResource?> Finding(string kind, string name, ApiJobStatus status) =>
        (k, n) => k == kind && n == name ? Resource(status) : null;

    private static JobResource Resource(ApiJobStatus status) => new() { Status = JobResource.WriteStatus(status) };
}
