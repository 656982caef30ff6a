namespace PostTrain.Kube.Client;

/// <summary>Options of a list request.</summary>
public sealed record ListOptions
{
    /// <summary>Label selector, e.g. "app=x,tier in (a,b)".</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector, e.g. "metadata.name=x".</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Page size.</summary>
    public int? Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }
}
