using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>The training or evaluation data: where it is, how its records are shaped, and which part to use.</summary>
public sealed class DatasetSpec
{
    /// <summary>
    /// The dataset URI: <c>builtin://arithmetic</c> (synthetic, ships with PostTrain), <c>hf://org/name[@revision]</c> (its
    /// own .parquet, .jsonl or .json files, else its refs/convert/parquet revision), <c>pvc://claim/path</c>,
    /// <c>file:///path</c> or a plain path to a .jsonl, .json or .parquet file, or a folder of them.
    /// </summary>
    [Required]
    [Pattern(SourceUri.Pattern)]
    [Length(MinLength = 1, MaxLength = 2048)]
    public string Source { get; set; } = "";

    /// <summary>
    /// The record shape: messages (chat turns with role and content), promptCompletion (prompt and completion
    /// strings), gsm8k (question and answer, the answer after '####'), mbpp (text, code and test_list); or parquet
    /// (parquet files, each record's shape told by its columns).
    /// </summary>
    [Length(MaxLength = 32)]
    public DatasetFormat Format { get; set; } = DatasetFormat.Messages;

    /// <summary>
    /// The split to read from a folder or hub dataset, e.g. train or test: the files named {split}-NNNNN-of-NNNNN, those
    /// in refs/convert/parquet's {config}/{split}/ folders, or those whose names hold train, validation or test. Files
    /// without a split in their names are the train split; a source naming one file is read whole.
    /// </summary>
    [Length(MinLength = 1, MaxLength = 256)]
    public string Split { get; set; } = "train";

    /// <summary>
    /// The config (subset) of a hub dataset, e.g. main for openai/gsm8k: a top-level folder of its files. Unset: the
    /// default config, or the only one; a dataset with several configs and no default needs one.
    /// </summary>
    [Length(MinLength = 1, MaxLength = 256)]
    public string? Config { get; set; }

    /// <summary>Renames of the fields the format reads, for datasets whose columns are named differently.</summary>
    public DatasetFields? Fields { get; set; }

    /// <summary>Skip records that do not fit the format (counted and logged) instead of failing the job.</summary>
    public bool SkipInvalid { get; set; }

    /// <summary>
    /// Use a sample of at most this many records, drawn without replacement by the job's seed: the same records on every
    /// run, in dataset order. Unset uses all.
    /// </summary>
    [RangeMinimum(1)]
    public int? MaxSamples { get; set; }
}
