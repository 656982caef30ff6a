namespace PostTrain.Trainer.Data;

/// <summary>How a dataset is read.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>The record layout; <see cref="DatasetFormat.Auto"/> detects it per record.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>How the files are stored; <see cref="DatasetFileType.Auto"/> goes by extension.</summary>
    public DatasetFileType FileType { get; init; } = DatasetFileType.Auto;

    /// <summary>Field name overrides.</summary>
    public FieldNames Fields { get; init; } = new();

    /// <summary>When true a bad record is skipped and counted (with a warning) instead of failing the load.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>
    /// Which files of a folder or hub repository are data files (fnmatch patterns, relative to the folder):
    /// <c>*.jsonl</c>, <c>*.ndjson</c>, <c>*.json</c> and <c>*.parquet</c> by default. With a <see cref="FileType"/> other
    /// than Auto only files of that type's extensions are read.
    /// </summary>
    public IReadOnlyList<string> FilePatterns { get; init; } = ["*.jsonl", "*.ndjson", "*.json", "*.parquet"];

    /// <summary>
    /// The split to read from a folder or hub repository (<see cref="DatasetFileSelector"/>); null reads every data file.
    /// A source naming one file is read whole.
    /// </summary>
    public string? Split { get; init; } = "train";

    /// <summary>The config (a top-level folder of a hub dataset) to read; null: the default config, or the only one.</summary>
    public string? Config { get; init; }

    /// <summary>When set, a sample of at most this many records, drawn without replacement by <see cref="Seed"/> (<see cref="ReservoirSample{T}"/>).</summary>
    public int? MaxSamples { get; init; }

    /// <summary>The seed of the <see cref="MaxSamples"/> sample (the job's seed).</summary>
    public long Seed { get; init; }

    /// <summary>Most warnings kept in <see cref="DatasetLoadResult.Warnings"/> (all are counted).</summary>
    public int MaxWarnings { get; init; } = 20;
}
