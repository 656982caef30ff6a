namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>One message of a conversation, as in Hugging Face's <c>{"role": ..., "content": ...}</c>.</summary>
/// <param name="Role">"system", "user" or "assistant" (other roles are rendered like user turns).</param>
/// <param name="Content">The message text.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>The assistant role name.</summary>
    public const string AssistantRole = "assistant";

    /// <summary>A system message.</summary>
    public static ChatMessage System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string content) => new("user", content);

    /// <summary>An assistant message.</summary>
    public static ChatMessage Assistant(string content) => new(AssistantRole, content);

    /// <summary>True for the assistant's messages.</summary>
    public bool IsAssistant => string.Equals(Role, AssistantRole, StringComparison.Ordinal);
}
