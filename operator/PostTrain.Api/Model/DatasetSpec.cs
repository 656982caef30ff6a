using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>The training or evaluation data: where it is, how its records are shaped, and which part to use.</summary>
public sealed class DatasetSpec
{
    /// <summary>
    /// The dataset URI: <c>builtin://arithmetic</c> (synthetic, ships with PostTrain), <c>hf://org/name[@revision]</c>,
    /// <c>pvc://claim/path</c>, <c>file:///path</c> or a plain path to a .jsonl, .json or .parquet file or folder.
    /// </summary>
    [Required]
    [Pattern(SourceUri.Pattern)]
    [Length(MinLength = 1, MaxLength = 2048)]
    public string Source { get; set; } = "";

    /// <summary>
    /// The record shape: messages (chat turns with role and content), promptCompletion (prompt and completion
    /// strings), gsm8k (question and answer, the answer after '####'), mbpp (text, code and test_list).
    /// </summary>
    [Length(MaxLength = 32)]
    public DatasetFormat Format { get; set; } = DatasetFormat.Messages;

    /// <summary>The split to read, e.g. train or test.</summary>
    [Length(MinLength = 1, MaxLength = 256)]
    public string Split { get; set; } = "train";

    /// <summary>Renames of the fields the format reads, for datasets whose columns are named differently.</summary>
    public DatasetFields? Fields { get; set; }

    /// <summary>Skip records that do not fit the format (counted and logged) instead of failing the job.</summary>
    public bool SkipInvalid { get; set; }

    /// <summary>Use at most this many records (after shuffling with the job's seed); unset uses all.</summary>
    [RangeMinimum(1)]
    public int? MaxSamples { get; set; }
}
