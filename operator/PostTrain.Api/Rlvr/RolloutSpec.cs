using PostTrain.Api.Schema;

namespace PostTrain.Api.Rlvr;

/// <summary>How completions are sampled from the policy each step.</summary>
public sealed class RolloutSpec
{
    /// <summary>Completions sampled per prompt (the group whose rewards are compared).</summary>
    [RangeMinimum(1)]
    [RangeMaximum(1024)]
    public int GroupSize { get; set; } = 8;

    /// <summary>Prompts per step; a step samples promptsPerStep x groupSize completions.</summary>
    [RangeMinimum(1)]
    public int PromptsPerStep { get; set; } = 16;

    /// <summary>Sampling temperature.</summary>
    [RangeMinimum(0, ExclusiveMinimum = true)]
    [RangeMaximum(10)]
    public double Temperature { get; set; } = 1.0;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches topP; 1 disables.</summary>
    [RangeMinimum(0, ExclusiveMinimum = true)]
    [RangeMaximum(1)]
    public double TopP { get; set; } = 1.0;

    /// <summary>Keep only the topK most likely tokens; 0 disables.</summary>
    [RangeMinimum(0)]
    public int TopK { get; set; }

    /// <summary>The longest completion, in tokens.</summary>
    [RangeMinimum(1)]
    public int MaxNewTokens { get; set; } = 256;

    /// <summary>Strings that end a completion (besides the end-of-sequence token); the stop string is kept.</summary>
    public List<string>? Stop { get; set; }
}
