namespace PostTrain.Trainer.Models;

/// <summary>LoRA settings: rank, scale, dropout and which projections get adapters (PEFT's <c>target_modules</c>).</summary>
/// <param name="Rank">Adapter rank r.</param>
/// <param name="Alpha">Scale numerator; the update is (alpha / r) · B·A, or (alpha / √r) · B·A with <paramref name="UseRsLora"/>.</param>
/// <param name="Dropout">Dropout on the adapter input while training.</param>
/// <param name="TargetModules">Projection names: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.</param>
/// <param name="UseRsLora">Rank-stabilised LoRA (PEFT's <c>use_rslora</c>): scale by alpha / √r instead of alpha / r.</param>
public sealed record LoraSettings(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules, bool UseRsLora = false)
{
    /// <summary>Every projection name a Llama-family layer has.</summary>
    public static readonly IReadOnlyList<string> AllModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Attention projections only, PEFT's usual default for Llama.</summary>
    public static readonly IReadOnlyList<string> AttentionModules = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>The factor B·A is multiplied by: alpha / r, or alpha / √r with <see cref="UseRsLora"/>.</summary>
    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;
}
