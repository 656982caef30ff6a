namespace PostTrain.Operator.Controllers;

/// <summary>Timing of the job reconcilers.</summary>
public sealed record ReconcilerOptions
{
    /// <summary>How often a running job's worker /status is polled.</summary>
    public TimeSpan ProgressPollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a job waiting for a dependency looks again (dependency changes also trigger it).</summary>
    public TimeSpan DependencyPollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The field manager and event reporting controller name.</summary>
    public string FieldManager { get; init; } = "posttrain-operator";
}
