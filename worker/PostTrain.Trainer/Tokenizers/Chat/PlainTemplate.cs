using System.Globalization;

namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// A plain-text template for tokenizers without chat tokens: <c>{Role}: {content}\n</c> per message, where an
/// assistant message ends with the end-of-sequence token before the newline; the generation prompt is
/// <c>Assistant: </c>.
/// </summary>
internal sealed class PlainTemplate : ChatTemplate
{
    public override string Name => "plain";

    public override string Jinja =>
        "{%- for message in messages %}{{- message.role | capitalize + ': ' + message.content }}{%- if message.role == 'assistant' %}{{- eos_token }}{%- endif %}{{- '\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- 'Assistant: ' }}{%- endif %}";

    public override IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var segments = new List<ChatSegment>();
        foreach (var message in messages)
        {
            segments.Add(ChatSegment.Plain(Header(message.Role)));
            segments.Add(ChatSegment.Plain(message.Content, message.IsAssistant));
            if (message.IsAssistant)
            {
                segments.Add(ChatSegment.Special(Eos(tokenizer), trainable: true));
            }

            segments.Add(ChatSegment.Plain("\n"));
        }

        if (addGenerationPrompt)
        {
            segments.Add(ChatSegment.Plain(Header(ChatMessage.AssistantRole)));
        }

        return segments;
    }

    public override int EndOfTurnId(ITokenizer tokenizer) => RequireToken(tokenizer, Eos(tokenizer));

    private static string Eos(ITokenizer tokenizer) =>
        tokenizer.SpecialTokens.Eos?.Content ?? throw new InvalidOperationException("the plain chat template needs an end-of-sequence token and the tokenizer has none");

    private static string Header(string role) =>
        role.Length == 0 ? ": " : string.Concat(char.ToUpper(role[0], CultureInfo.InvariantCulture).ToString(), role.AsSpan(1), ": ");
}
