namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// Llama 3: <c>&lt;|begin_of_text|&gt;</c>, then <c>&lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content, trimmed}&lt;|eot_id|&gt;</c>
/// per message; the generation prompt is <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>.
/// Llama 3.1's date and tool preamble is not rendered.
/// </summary>
internal sealed class Llama3Template : ChatTemplate
{
    private const string Begin = "<|begin_of_text|>";
    private const string HeaderStart = "<|start_header_id|>";
    private const string HeaderEnd = "<|end_header_id|>";
    private const string EndOfTurn = "<|eot_id|>";

    public override string Name => "llama3";

    public override string Jinja =>
        "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

    public override IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var segments = new List<ChatSegment> { ChatSegment.Special(Begin) };
        foreach (var message in messages)
        {
            AddHeader(segments, message.Role);
            segments.Add(ChatSegment.Plain(message.Content.Trim(), message.IsAssistant));
            segments.Add(ChatSegment.Special(EndOfTurn, message.IsAssistant));
        }

        if (addGenerationPrompt)
        {
            AddHeader(segments, ChatMessage.AssistantRole);
        }

        return segments;
    }

    public override int EndOfTurnId(ITokenizer tokenizer) => RequireToken(tokenizer, EndOfTurn);

    private static void AddHeader(List<ChatSegment> segments, string role)
    {
        segments.Add(ChatSegment.Special(HeaderStart));
        segments.Add(ChatSegment.Plain(role));
        segments.Add(ChatSegment.Special(HeaderEnd));
        segments.Add(ChatSegment.Plain("\n\n"));
    }
}
