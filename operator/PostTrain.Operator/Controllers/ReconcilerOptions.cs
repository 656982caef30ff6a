namespace PostTrain.Operator.Controllers;

/// <summary>Timing of the job reconcilers.</summary>
public sealed record ReconcilerOptions
{
    /// <summary>How often a running job's worker /status is polled.</summary>
    public TimeSpan ProgressPollInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a job waiting for a dependency looks again (dependency changes also trigger it).</summary>
    public TimeSpan DependencyPollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long after the batch Job completed the operator waits to see the worker's result in a pod's termination
    /// message (the pod and Job informers are separate watches, so the Job's Complete condition can arrive first)
    /// before it records Succeeded without a result.
    /// </summary>
    public TimeSpan ResultGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The field manager and event reporting controller name.</summary>
    public string FieldManager { get; init; } = "posttrain-operator";
}
