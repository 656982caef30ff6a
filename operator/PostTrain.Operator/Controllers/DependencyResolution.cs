namespace PostTrain.Operator.Controllers;

/// <summary>How a job's <c>fromJob</c> dependencies stand: all resolved, some still to wait for, or one that failed.</summary>
/// <param name="Waiting">What the job waits for (e.g. <c>waiting for SftJob/a is Running</c>); null when nothing.</param>
/// <param name="Failure">Why the job cannot run (a dependency failed, or succeeded without a checkpoint); null when none did.</param>
internal sealed record DependencyResolution(string? Waiting, string? Failure)
{
    /// <summary>Every dependency succeeded with a checkpoint (or there are none).</summary>
    public bool IsResolved => Waiting is null && Failure is null;
}
