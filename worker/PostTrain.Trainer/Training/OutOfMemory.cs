using PostTrain.Torch;

namespace PostTrain.Trainer.Training;

/// <summary>
/// Turns libtorch's allocation failures during training (CUDA's "out of memory", the CPU allocator's "can't allocate
/// memory") into a <see cref="TrainingOutOfMemoryException"/> that says what to change; the checkpoints on disk are left
/// as they are.
/// </summary>
public static class OutOfMemory
{
    /// <summary>Whether <paramref name="exception"/> is libtorch failing to allocate.</summary>
    public static bool IsOutOfMemory(Exception exception) =>
        exception is TorchException e && (e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs <paramref name="train"/>, explaining an allocation failure.</summary>
    public static T Explain<T>(Func<T> train, int microBatchSize, int sequenceLength, CheckpointManager checkpoints)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(checkpoints);
        try
        {
            return train();
        }
        catch (TorchException e) when (IsOutOfMemory(e))
        {
            throw Describe(e, microBatchSize, sequenceLength, checkpoints);
        }
    }

    /// <summary>Runs <paramref name="train"/>, explaining an allocation failure.</summary>
    public static async Task<T> ExplainAsync<T>(Func<Task<T>> train, int microBatchSize, int sequenceLength, CheckpointManager checkpoints)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(checkpoints);
        try
        {
            return await train().ConfigureAwait(false);
        }
        catch (TorchException e) when (IsOutOfMemory(e))
        {
            throw Describe(e, microBatchSize, sequenceLength, checkpoints);
        }
    }

    /// <summary>The explanation of <paramref name="cause"/> for a step at this micro-batch size and sequence length.</summary>
    public static TrainingOutOfMemoryException Describe(TorchException cause, int microBatchSize, int sequenceLength, CheckpointManager checkpoints)
    {
        ArgumentNullException.ThrowIfNull(cause);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (Cuda.IsAvailable)
        {
            Cuda.EmptyCache();
        }

        var first = cause.Message.Split('\n', 2)[0].Trim();
        var latest = checkpoints.Latest();
        return new TrainingOutOfMemoryException(
            $"OutOfMemory: a training step with microBatchSize {microBatchSize} and sequences of up to {sequenceLength} tokens did not fit in memory ({first}). " +
            "Lower training.microBatchSize (the batch size stays: micro-batches accumulate), shorten training.maxSeqLength, or set training.gradientCheckpointing: true. " +
            (latest is null ? "No checkpoint had been written yet." : $"The newest checkpoint is kept: {latest}."),
            cause);
    }
}
