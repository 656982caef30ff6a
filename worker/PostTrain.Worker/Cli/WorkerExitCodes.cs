namespace PostTrain.Worker.Cli;

/// <summary>
/// The worker's exit codes; the operator's pod failure policy relies on them: <see cref="Preempted"/> is not counted
/// against backoffLimit, <see cref="InvalidInput"/> and <see cref="InvalidEnvironment"/> fail the job at once.
/// </summary>
public static class WorkerExitCodes
{
    /// <summary>Every job succeeded.</summary>
    public const int Succeeded = 0;

    /// <summary>A job failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line or a manifest is invalid.</summary>
    public const int InvalidInput = 2;

    /// <summary>The machine cannot run the job as asked (a GPU job without a usable GPU); retrying on it will not help.</summary>
    public const int InvalidEnvironment = 3;

    /// <summary>SIGTERM: a checkpoint was saved and the run can resume (128 + 15, what a killed process reports).</summary>
    public const int Preempted = 143;
}
