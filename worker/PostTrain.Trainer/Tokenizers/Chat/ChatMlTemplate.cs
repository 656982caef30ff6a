namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// ChatML (Qwen2, Qwen2.5, Qwen3 and others): <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per
/// message; the generation prompt is <c>&lt;|im_start|&gt;assistant\n</c>. Qwen3's template also inserts an
/// empty <c>&lt;think&gt;</c> block into the last assistant turn and renders tool calls; neither is done here:
/// message content is used as it is.
/// </summary>
internal sealed class ChatMlTemplate : ChatTemplate
{
    private const string Start = "<|im_start|>";
    private const string End = "<|im_end|>";

    public override string Name => "chatml";

    public override string Jinja =>
        "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    public override IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var segments = new List<ChatSegment>();
        foreach (var message in messages)
        {
            segments.Add(ChatSegment.Special(Start));
            segments.Add(ChatSegment.Plain(message.Role + "\n"));
            segments.Add(ChatSegment.Plain(message.Content, message.IsAssistant));
            segments.Add(ChatSegment.Special(End, message.IsAssistant));
            segments.Add(ChatSegment.Plain("\n"));
        }

        if (addGenerationPrompt)
        {
            segments.Add(ChatSegment.Special(Start));
            segments.Add(ChatSegment.Plain(ChatMessage.AssistantRole + "\n"));
        }

        return segments;
    }

    public override int EndOfTurnId(ITokenizer tokenizer) => RequireToken(tokenizer, End);
}
