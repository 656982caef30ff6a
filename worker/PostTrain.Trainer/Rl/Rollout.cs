using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Rl;

/// <summary>One sampled response to a prompt, with its reward and advantage.</summary>
/// <param name="Example">The dataset item the prompt came from.</param>
/// <param name="PromptIds">The prompt as rendered through the chat template.</param>
/// <param name="ResponseIds">The generated tokens (EOS included when it ended the response).</param>
/// <param name="ResponseText">The decoded response.</param>
/// <param name="Reward">The verifier's score.</param>
public sealed record Rollout(Example Example, int[] PromptIds, int[] ResponseIds, string ResponseText, double Reward)
{
    /// <summary>The group-relative advantage, set once the group is complete.</summary>
    public double Advantage { get; set; }
}
