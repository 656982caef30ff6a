namespace PostTrain.Api.Worker;

/// <summary>
/// The phases the worker reports. Kept as strings on the wire, so that a reader never rejects a whole document for a
/// phase it does not know.
/// </summary>
public static class WorkerPhases
{
    /// <summary>/status: no job started yet.</summary>
    public const string Pending = "Pending";

    /// <summary>/status: a job is running.</summary>
    public const string Running = "Running";

    /// <summary>The job finished successfully.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The job failed; the message says why.</summary>
    public const string Failed = "Failed";

    /// <summary>The job was stopped (SIGTERM) after saving a checkpoint; a new pod resumes from it.</summary>
    public const string Preempted = "Preempted";
}
