using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Status;
using PostTrain.Api.Worker;
using PostTrain.Operator.Controllers;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using ApiJobStatus = PostTrain.Api.Status.JobStatus;
using BatchJob = k8s.Models.V1Job;
using BatchJobStatus = k8s.Models.V1JobStatus;
using Condition = PostTrain.Api.Status.Condition;

namespace PostTrain.Operator.Tests;

/// <summary><see cref="StatusDerivation"/> alone: a status derived from a batch Job, pods and a worker status built in memory.</summary>
public sealed class StatusDerivationTests
{
    private const long Generation = 3;
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_batch_Job_without_active_pods_is_pending()
    {
        var status = new ApiJobStatus();

        var derived = Derive(status, Batch());

        derived.ShouldBe(new DerivedStatus(StatusNext.Write, ConditionReasons.Pending, "waiting for the worker pod to start"));
        status.Phase.ShouldBe(JobPhase.Pending);
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.False, ConditionReasons.Pending);
        ShouldHave(status, ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Resumed);
        status.StartTime.ShouldBeNull();
        StatusDerivation.ProgressSource(Batch(), []).ShouldBeNull();
    }

    [Fact]
    public void A_running_workload_takes_its_progress_from_the_worker_and_is_polled()
    {
        var batch = Batch(new BatchJobStatus { Active = 1, StartTime = Now.AddMinutes(-5).UtcDateTime });
        var pods = new List<V1Pod> { RunningPod("w-0", "10.0.0.7") };
        var worker = new WorkerStatus { Progress = new WorkerProgress { Step = 3, TotalSteps = 10, Eta = "1m" } };
        var status = new ApiJobStatus();

        StatusDerivation.ProgressSource(batch, pods)!.Metadata.Name.ShouldBe("w-0");
        var derived = Derive(status, batch, pods, worker: worker);

        derived.ShouldBe(new DerivedStatus(StatusNext.WriteAndPoll, ConditionReasons.Running, "step 3/10"));
        status.Phase.ShouldBe(JobPhase.Running);
        status.StartTime.ShouldBe(Now.AddMinutes(-5));
        status.Progress!.Percent.ShouldBe(30);
        status.Progress.LastUpdateTime.ShouldBe(Now);
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.True, ConditionReasons.Running).Message.ShouldBe("step 3/10");
    }

    [Fact]
    public void A_running_workload_without_worker_status_says_so_and_counts_retries()
    {
        var batch = Batch(new BatchJobStatus { Active = 1, Failed = 2 });
        var status = new ApiJobStatus();

        var derived = Derive(status, batch);

        derived.Next.ShouldBe(StatusNext.WriteAndPoll);
        derived.Message.ShouldBe("the worker is running; 2 failed pod(s), retrying (backoffLimit 3)");
        status.StartTime.ShouldBe(Now);
    }

    [Fact]
    public void Only_a_running_rank_0_with_an_IP_is_asked_for_progress()
    {
        var batch = Batch(new BatchJobStatus { Active = 2 });
        StatusDerivation.ProgressSource(batch, [RunningPod("w-1", "10.0.0.8", rank: 1)]).ShouldBeNull();
        StatusDerivation.ProgressSource(batch, [RunningPod("w-0", null)]).ShouldBeNull();
        StatusDerivation.ProgressSource(batch, [RunningPod("w-1", "10.0.0.8", rank: 1), RunningPod("w-0", "10.0.0.7")])!.Metadata.Name.ShouldBe("w-0");
    }

    [Fact]
    public void A_suspended_batch_Job_suspends_the_job_and_asks_no_worker()
    {
        var batch = Batch(new BatchJobStatus { Active = 1 });
        batch.Spec.Suspend = true;
        var pods = new List<V1Pod> { RunningPod("w-0", "10.0.0.7") };
        var status = new ApiJobStatus();

        StatusDerivation.ProgressSource(batch, pods).ShouldBeNull();
        var derived = Derive(status, batch, pods, job: Sft(suspend: true));

        derived.ShouldBe(new DerivedStatus(StatusNext.Write, ConditionReasons.Suspended, "spec.suspend is true"));
        status.Phase.ShouldBe(JobPhase.Suspended);
        ShouldHave(status, ConditionTypes.Suspended, ConditionStatus.True, ConditionReasons.Suspended);
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.False, ConditionReasons.Suspended);
    }

    [Fact]
    public void A_job_suspended_by_its_queue_waits_for_admission()
    {
        var batch = Batch();
        batch.Spec.Suspend = true;
        var spec = Specs.Sft();
        spec["scheduling"] = new JsonObject { ["queueName"] = "team-a" };

        Derive(new ApiJobStatus(), batch, job: Job(spec)).Message.ShouldBe("waiting for admission by queue team-a");
    }

    [Fact]
    public void A_completed_batch_Job_waits_for_the_result_within_the_grace_period()
    {
        var batch = Batch(new BatchJobStatus { CompletionTime = Now.AddSeconds(-5).UtcDateTime, Conditions = [True("Complete")] });
        var status = new ApiJobStatus { Phase = JobPhase.Running };

        Derive(status, batch).ShouldBe(DerivedStatus.AwaitingResult);
        status.Phase.ShouldBe(JobPhase.Running);
        status.FindCondition(ConditionTypes.Complete).ShouldBeNull();
    }

    [Fact]
    public void A_completed_batch_Job_succeeds_once_the_grace_period_is_over()
    {
        var batch = Batch(new BatchJobStatus { StartTime = Now.AddMinutes(-10).UtcDateTime, CompletionTime = Now.AddMinutes(-1).UtcDateTime, Conditions = [True("SuccessCriteriaMet")] });
        var status = new ApiJobStatus { Progress = new ProgressStatus { Step = 7, TotalSteps = 10, Percent = 70, Eta = "1m" } };

        var derived = Derive(status, batch);

        derived.ShouldBe(new DerivedStatus(StatusNext.WriteFinished, ConditionReasons.Succeeded, "SftJob finished"));
        status.Phase.ShouldBe(JobPhase.Succeeded);
        status.StartTime.ShouldBe(Now.AddMinutes(-10));
        status.CompletionTime.ShouldBe(Now.AddMinutes(-1));
        status.Progress.Step.ShouldBe(10);
        status.Progress.Percent.ShouldBe(100);
        status.Progress.Eta.ShouldBe("0s");
        ShouldHave(status, ConditionTypes.Complete, ConditionStatus.True, ConditionReasons.Succeeded);
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.False, ConditionReasons.Succeeded);
        ShouldHave(status, ConditionTypes.Suspended, ConditionStatus.False, ConditionReasons.Finished);
    }

    [Fact]
    public void A_failed_batch_Job_fails_the_job_with_its_own_reason()
    {
        var batch = Batch(new BatchJobStatus { Conditions = [True("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")] });
        var status = new ApiJobStatus();

        var derived = Derive(status, batch);

        derived.ShouldBe(new DerivedStatus(StatusNext.WriteFinished, "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        status.Phase.ShouldBe(JobPhase.Failed);
        status.CompletionTime.ShouldBe(Now);
        ShouldHave(status, ConditionTypes.Failed, ConditionStatus.True, "BackoffLimitExceeded");
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.False, "BackoffLimitExceeded");
    }

    [Fact]
    public void A_failed_batch_Job_without_a_reason_fails_as_JobFailed()
    {
        var derived = Derive(new ApiJobStatus(), Batch(new BatchJobStatus { Conditions = [True("FailureTarget", reason: "--")] }));

        derived.ShouldBe(new DerivedStatus(StatusNext.WriteFinished, ConditionReasons.JobFailed, "the batch Job failed"));
    }

    [Fact]
    public void Completion_wins_over_failure_and_failure_over_suspension()
    {
        var both = Batch(new BatchJobStatus { CompletionTime = Now.AddMinutes(-1).UtcDateTime, Conditions = [True("Failed"), True("Complete")] });
        Derive(new ApiJobStatus(), both).Reason.ShouldBe(ConditionReasons.Succeeded);

        var failedWhileSuspended = Batch(new BatchJobStatus { Conditions = [True("Failed", "DeadlineExceeded")] });
        failedWhileSuspended.Spec.Suspend = true;
        Derive(new ApiJobStatus(), failedWhileSuspended).Reason.ShouldBe("DeadlineExceeded");
    }

    [Fact]
    public void Failing_marks_phase_completion_time_and_conditions()
    {
        var status = new ApiJobStatus { Phase = JobPhase.Pending };

        StatusDerivation.MarkFailed(status, ConditionReasons.InvalidSpec, "spec.model: required", Generation, Now);

        status.Phase.ShouldBe(JobPhase.Failed);
        status.CompletionTime.ShouldBe(Now);
        var failed = ShouldHave(status, ConditionTypes.Failed, ConditionStatus.True, ConditionReasons.InvalidSpec);
        failed.Message.ShouldBe("spec.model: required");
        failed.ObservedGeneration.ShouldBe(Generation);
        ShouldHave(status, ConditionTypes.Progressing, ConditionStatus.False, ConditionReasons.InvalidSpec);
    }

    [Fact]
    public void Condition_messages_are_cut_to_the_metav1_limit()
    {
        StatusDerivation.Condition(ConditionTypes.Failed, ConditionStatus.True, ConditionReasons.JobFailed, new string('x', 40000), Generation).Message.Length.ShouldBe(32768);
        StatusDerivation.Condition(ConditionTypes.Failed, ConditionStatus.True, ConditionReasons.JobFailed, "short", Generation).Message.ShouldBe("short");
    }

    private static DerivedStatus Derive(ApiJobStatus status, BatchJob batch, IReadOnlyList<V1Pod>? pods = null, WorkerStatus? worker = null, PostTrainJob? job = null)
    {
        pods ??= [];
        var observed = new WorkloadObservation(job ?? Sft(), batch, pods, WorkerFailures.From(pods), worker);
        return StatusDerivation.Derive(status, observed, Generation, Now, Grace);
    }

    private static Condition ShouldHave(ApiJobStatus status, string type, ConditionStatus state, string reason)
    {
        var condition = status.FindCondition(type);
        condition.ShouldNotBeNull(type);
        condition.Status.ShouldBe(state, type);
        condition.Reason.ShouldBe(reason, type);
        condition.ObservedGeneration.ShouldBe(Generation, type);
        return condition;
    }

    private static PostTrainJob Sft(bool suspend = false)
    {
        var spec = Specs.Sft();
        spec["backoffLimit"] = 3;
        if (suspend)
        {
            spec["suspend"] = true;
        }

        return Job(spec);
    }

    private static PostTrainJob Job(JsonObject spec) =>
        new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = JobKinds.Sft.Kind, Metadata = new V1ObjectMeta { Name = "job", NamespaceProperty = "ns", Generation = Generation }, Spec = spec }.ToJob();

    private static BatchJob Batch(BatchJobStatus? status = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "job-sft", NamespaceProperty = "ns" },
        Spec = new V1JobSpec(),
        Status = status,
    };

    private static V1JobCondition True(string type, string? reason = null, string? message = null) => new() { Type = type, Status = "True", Reason = reason, Message = message };

    private static V1Pod RunningPod(string name, string? ip, int rank = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Annotations = new Dictionary<string, string>() { [ChildNames.CompletionIndexAnnotation] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        Status = new V1PodStatus { Phase = "Running", PodIP = ip },
    };
}
