namespace PostTrain.Worker.Running;

/// <summary>The machine cannot run the job as asked (no GPU for a GPU job, say): the worker exits with code 3, not retried.</summary>
public sealed class InvalidEnvironmentException(string message) : Exception(message);
