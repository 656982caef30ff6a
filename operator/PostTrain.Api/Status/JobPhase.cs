using System.Text.Json.Serialization;

namespace PostTrain.Api.Status;

/// <summary>The coarse lifecycle state of a job.</summary>
public enum JobPhase
{
    /// <summary>Accepted; the worker has not started.</summary>
    [JsonStringEnumMemberName("Pending")]
    Pending,

    /// <summary>Waiting for a job named by fromJob to succeed.</summary>
    [JsonStringEnumMemberName("WaitingForDependency")]
    WaitingForDependency,

    /// <summary>The worker is running.</summary>
    [JsonStringEnumMemberName("Running")]
    Running,

    /// <summary>Finished successfully; result and checkpoint are final.</summary>
    [JsonStringEnumMemberName("Succeeded")]
    Succeeded,

    /// <summary>Failed; the Failed condition says why.</summary>
    [JsonStringEnumMemberName("Failed")]
    Failed,

    /// <summary>Stopped by spec.suspend; resumes from the newest checkpoint when unsuspended.</summary>
    [JsonStringEnumMemberName("Suspended")]
    Suspended,
}
