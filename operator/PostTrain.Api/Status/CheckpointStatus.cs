using PostTrain.Api.Schema;

namespace PostTrain.Api.Status;

/// <summary>The newest complete checkpoint; fromJob references resolve to it.</summary>
public sealed class CheckpointStatus
{
    /// <summary>The checkpoint directory's URI (a Hugging Face-compatible directory).</summary>
    [Required]
    public string Uri { get; set; } = "";

    /// <summary>The step the checkpoint was taken at.</summary>
    [RangeMinimum(0)]
    public long Step { get; set; }
}
