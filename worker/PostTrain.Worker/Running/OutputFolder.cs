using PostTrain.Api.Jobs;
using PostTrain.Api.Model;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>
/// What a training job checks about its output folder before anything loads: one writer at a time
/// (<see cref="OutputFolderLock"/>, held by the writing rank for the whole run), no <c>resume: never</c> run beside
/// checkpoints it would neither resume nor keep apart, and no resuming checkpoints of another spec
/// (<see cref="ResumeGuard"/>).
/// </summary>
public static class OutputFolder
{
    /// <summary>How long a second writer waits for the lock (a replaced pod's predecessor may still be exiting).</summary>
    public static TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs the checks; returns the lock to hold until the job ends (null on ranks that do not write).</summary>
    /// <exception cref="JobInputException">Another worker writes the folder, or its checkpoints may not be used.</exception>
    public static async Task<IDisposable?> PrepareAsync(PostTrainJob job, JobEnvironment env, CheckpointManager checkpoints, ResumePolicy resume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(checkpoints);
        var writer = env.Rank == 0 ? await OutputFolderLock.AcquireAsync(checkpoints.OutputDirectory, $"{job.Kind}/{job.Metadata.Name}", LockWait, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            if (resume == ResumePolicy.Never && checkpoints.Names() is { Count: > 0 } existing)
            {
                // Training afresh beside them would mix two runs, and keep-newest would delete each new checkpoint
                // (lower steps) as soon as it was written.
                throw new JobInputException(
                    $"{job.Kind}/{job.Metadata.Name}: {checkpoints.OutputDirectory} already holds checkpoints ({string.Join(", ", existing)}) and spec.resume is never; " +
                    "they are left as they are. Delete them, write to another spec.output.uri, or set spec.resume: auto to continue from them");
            }

            // Before anything loads: checkpoints of another spec fail the job at once.
            ResumeGuard.Check(job, checkpoints.OutputDirectory, resuming: resume == ResumePolicy.Auto && checkpoints.Latest() is not null, write: env.Rank == 0);
            return writer;
        }
        catch
        {
            writer?.Dispose();
            throw;
        }
    }
}
