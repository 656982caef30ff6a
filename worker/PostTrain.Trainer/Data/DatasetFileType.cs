namespace PostTrain.Trainer.Data;

/// <summary>How dataset files are stored.</summary>
public enum DatasetFileType
{
    /// <summary>By extension: <c>.jsonl</c>/<c>.ndjson</c> JSON lines, <c>.json</c> a JSON array, <c>.parquet</c> parquet.</summary>
    Auto,

    /// <summary>One JSON record a line.</summary>
    JsonLines,

    /// <summary>One JSON array of records.</summary>
    JsonArray,

    /// <summary>Apache Parquet, read one row group at a time.</summary>
    Parquet,
}
