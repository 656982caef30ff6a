namespace PostTrain.Api.Status;

/// <summary>
/// The reasons the operator gives in a job's conditions (<see cref="ConditionTypes"/>) and in the events it records.
/// A failed batch Job's own reason (e.g. <c>BackoffLimitExceeded</c>, <c>DeadlineExceeded</c>) is passed on as it
/// is; <see cref="JobFailed"/> stands in when it has none.
/// </summary>
public static class ConditionReasons
{
    /// <summary>The spec does not validate: fails a job without a workload, or (SpecApplied False) marks an edit a running workload ignores.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>A <c>fromJob</c> dependency failed, or succeeded without a checkpoint: the job fails.</summary>
    public const string DependencyFailed = "DependencyFailed";

    /// <summary>A <c>fromJob</c> dependency does not exist yet or has not finished: the phase is WaitingForDependency.</summary>
    public const string WaitingForDependency = "WaitingForDependency";

    /// <summary>Every <c>fromJob</c> dependency succeeded (DependenciesReady True).</summary>
    public const string DependenciesSucceeded = "DependenciesSucceeded";

    /// <summary>A batch Job of the child's name exists and belongs to someone else: the job fails.</summary>
    public const string ChildConflict = "ChildConflict";

    /// <summary>The workload's pods have not started yet (Progressing False).</summary>
    public const string Pending = "Pending";

    /// <summary>The worker runs (Progressing True); the message gives the step.</summary>
    public const string Running = "Running";

    /// <summary>The job is suspended, by <c>spec.suspend</c> or while waiting for admission by its queue.</summary>
    public const string Suspended = "Suspended";

    /// <summary>The job is not suspended: the workload may run (Suspended False).</summary>
    public const string Resumed = "Resumed";

    /// <summary>The job succeeded (Complete True, Progressing False).</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The job finished and can no longer be suspended (Suspended False).</summary>
    public const string Finished = "Finished";

    /// <summary>The batch Job failed without a reason of its own.</summary>
    public const string JobFailed = "JobFailed";

    /// <summary>The workload runs the current spec (SpecApplied True).</summary>
    public const string Applied = "Applied";

    /// <summary>Some edited fields cannot reach the existing workload (SpecApplied False); the message names them.</summary>
    public const string SpecChangeIgnored = "SpecChangeIgnored";

    /// <summary>A worker pod failed (an event reason, one per pod; the job may still retry).</summary>
    public const string WorkerFailed = "WorkerFailed";
}
