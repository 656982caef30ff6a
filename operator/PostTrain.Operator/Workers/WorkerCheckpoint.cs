namespace PostTrain.Operator.Workers;

/// <summary>A checkpoint the worker reports: its URI and optimizer step.</summary>
public sealed class WorkerCheckpoint
{
    /// <summary>The checkpoint URI (pvc://, file:// or a path).</summary>
    public string? Uri { get; set; }

    /// <summary>The step it was saved at.</summary>
    public long Step { get; set; }
}
