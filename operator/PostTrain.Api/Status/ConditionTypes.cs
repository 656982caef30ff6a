namespace PostTrain.Api.Status;

/// <summary>
/// The condition types the operator writes to a job's <c>status.conditions</c> (a list-map keyed by type, so each
/// appears at most once). The reasons each carries are in <see cref="ConditionReasons"/>.
/// </summary>
public static class ConditionTypes
{
    /// <summary>The workload is running (True), or why not (False): pending, waiting, suspended or finished.</summary>
    public const string Progressing = "Progressing";

    /// <summary>The job finished successfully (True only; written once, when it does).</summary>
    public const string Complete = "Complete";

    /// <summary>The job failed (True only); the reason says why, e.g. <see cref="ConditionReasons.InvalidSpec"/>.</summary>
    public const string Failed = "Failed";

    /// <summary>The job is suspended (True), or may run (False).</summary>
    public const string Suspended = "Suspended";

    /// <summary>Every <c>fromJob</c> dependency has succeeded (True), or which have not (False). Only on jobs with dependencies.</summary>
    public const string DependenciesReady = "DependenciesReady";

    /// <summary>
    /// The children carry the current spec (True), or which edited fields they do not, and why (False, reason
    /// <see cref="ConditionReasons.SpecChangeIgnored"/> or <see cref="ConditionReasons.InvalidSpec"/>).
    /// </summary>
    public const string SpecApplied = "SpecApplied";
}
