namespace PostTrain.Trainer.Training;

/// <summary>Receives a trainer's progress (the worker turns it into metrics, /status and log lines).</summary>
public interface ITrainingObserver
{
    /// <summary>After every optimizer step, with that step's metrics (loss, learning_rate, grad_norm, tokens_per_second, ...).</summary>
    void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics);

    /// <summary>After a checkpoint is complete on disk.</summary>
    void OnCheckpoint(long step, string path);

    /// <summary>A message worth logging (a warning, a phase change).</summary>
    void OnMessage(string message);
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static readonly NullTrainingObserver Instance = new();

    /// <inheritdoc />
    public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
    {
    }

    /// <inheritdoc />
    public void OnCheckpoint(long step, string path)
    {
    }

    /// <inheritdoc />
    public void OnMessage(string message)
    {
    }
}
