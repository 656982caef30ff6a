using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>Train low-rank adapters (LoRA) instead of all weights; saved in PEFT's adapter format.</summary>
public sealed class LoraSpec
{
    /// <summary>The adapter rank r.</summary>
    [RangeMinimum(1)]
    [RangeMaximum(1024)]
    public int Rank { get; set; } = 16;

    /// <summary>The scaling numerator: the update is scaled by alpha / rank.</summary>
    [RangeMinimum(0, ExclusiveMinimum = true)]
    public double Alpha { get; set; } = 32;

    /// <summary>Dropout on the adapter input.</summary>
    [RangeMinimum(0)]
    [RangeMaximum(1, ExclusiveMaximum = true)]
    public double Dropout { get; set; }

    /// <summary>Names of the linear layers that get adapters (e.g. q_proj, v_proj); unset: every attention and MLP projection.</summary>
    public List<string>? TargetModules { get; set; }
}
