namespace PostTrain.Trainer.Data;

/// <summary>How a dataset file is read.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>The record layout; <see cref="DatasetFormat.Auto"/> detects it per record.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>Field name overrides.</summary>
    public FieldNames Fields { get; init; } = new();

    /// <summary>When true a bad record is skipped and counted (with a warning) instead of failing the load.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>Which files of a folder are read (fnmatch patterns, relative to the folder); <c>*.jsonl</c> and <c>*.json</c> by default.</summary>
    public IReadOnlyList<string> FilePatterns { get; init; } = ["*.jsonl", "*.json"];

    /// <summary>Most warnings kept in <see cref="DatasetLoadResult.Warnings"/> (all are counted).</summary>
    public int MaxWarnings { get; init; } = 20;
}
