namespace PostTrain.Trainer.Data;

/// <summary>One turn of a chat: <c>{"role": "user", "content": "..."}</c>.</summary>
/// <param name="Role">system, user, assistant (or another role the chat template knows).</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content);
