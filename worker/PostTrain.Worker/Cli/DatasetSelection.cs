namespace PostTrain.Worker.Cli;

/// <summary>What <c>posttrain-worker dataset</c> was asked; each value left null keeps the job's (or the default).</summary>
public sealed record DatasetSelection
{
    /// <summary>The dataset URI.</summary>
    public string? Source { get; init; }

    /// <summary>The record format.</summary>
    public Api.Model.DatasetFormat? Format { get; init; }

    /// <summary>The dataset's configuration (subset).</summary>
    public string? Config { get; init; }

    /// <summary>The split.</summary>
    public string? Split { get; init; }

    /// <summary>maxSamples; 0 for all.</summary>
    public int? Limit { get; init; }

    /// <summary>The seed of the sample.</summary>
    public int? Seed { get; init; }

    /// <summary>Skip bad records.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>A manifest whose job's dataset, fields and seed to start from.</summary>
    public string? Job { get; init; }

    /// <summary>The job of <see cref="Job"/> to take.</summary>
    public string? Name { get; init; }
}
