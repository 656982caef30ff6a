using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Rewards;

/// <summary>What a reward scores: the prompt the model saw, the completion it wrote, and the dataset item.</summary>
/// <param name="Prompt">The prompt text as given to the model.</param>
/// <param name="Completion">The generated text.</param>
/// <param name="Example">The item, with its reference answer or tests.</param>
public sealed record RewardInput(string Prompt, string Completion, Example Example);
