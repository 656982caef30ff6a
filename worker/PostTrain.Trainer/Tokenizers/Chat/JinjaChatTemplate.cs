using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// A model's own chat template (Jinja, from tokenizer_config.json or chat_template.jinja), rendered as transformers'
/// <c>apply_chat_template</c> renders it: variables <c>messages</c>, <c>tools</c> and <c>documents</c> (None),
/// <c>add_generation_prompt</c>, the config's special tokens (<c>bos_token</c>, <c>eos_token</c>, ...), then any extra
/// variables (<c>enable_thinking</c>, ...). The rendered text is tokenized whole, special tokens recognised in it.
/// <para>
/// The assistant mask: where the template has <c>{% generation %}</c> blocks, the text they write (as transformers'
/// <c>return_assistant_tokens_mask</c>). Otherwise the renderer follows each assistant message's content characters into
/// the output (through slices, trim/strip, split, concatenation and captured blocks); the trained region of a turn runs
/// from the end of the assistant header — the text <c>add_generation_prompt</c> adds after the conversation before that
/// turn, found just before the content — through the last content character and the special token right after it (the
/// end of turn). So Qwen3's empty <c>&lt;think&gt;</c> block, which the model writes itself after the generation prompt,
/// is trained; role headers, other turns and separators are not. An assistant message whose content does not reach the
/// output through those operations (a template that rewrites it with <c>replace</c>, say) fails rather than training
/// nothing.
/// </para>
/// </summary>
public sealed class JinjaChatTemplate : ChatTemplate
{
    private readonly IReadOnlyDictionary<string, object?> _specialTokens;
    private readonly IReadOnlyDictionary<string, object?> _variables;
    private readonly TimeProvider _clock;

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <param name="source">The Jinja source.</param>
    /// <param name="specialTokens">Template variables for the special tokens (<c>bos_token</c>, <c>eos_token</c>, ...).</param>
    /// <param name="origin">Where the template came from, for messages.</param>
    /// <param name="variables">Further variables every rendering gets (such as <c>enable_thinking</c>).</param>
    /// <param name="clock">The clock of <c>strftime_now</c>; the system's when null.</param>
    /// <exception cref="JinjaSyntaxException">The template uses a construct outside the supported subset.</exception>
    public JinjaChatTemplate(string source, IReadOnlyDictionary<string, object?>? specialTokens = null, string origin = "chat_template", IReadOnlyDictionary<string, object?>? variables = null, TimeProvider? clock = null)
    {
        Template = JinjaTemplate.Parse(source);
        _specialTokens = specialTokens ?? new Dictionary<string, object?>();
        _variables = variables ?? new Dictionary<string, object?>();
        _clock = clock ?? TimeProvider.System;
        Origin = origin;
    }

    /// <summary>The parsed template.</summary>
    public JinjaTemplate Template { get; }

    /// <summary>Where the template came from (a file, and the field in it).</summary>
    public string Origin { get; }

    /// <inheritdoc />
    public override string Name => "jinja";

    /// <inheritdoc />
    public override string Description => $"the model's own chat template ({Origin})";

    /// <inheritdoc />
    public override string Jinja => Template.Source;

    /// <summary>The same template with further variables for every rendering (they override earlier ones of the same name).</summary>
    public JinjaChatTemplate WithVariables(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var merged = new Dictionary<string, object?>(_variables, StringComparer.Ordinal);
        foreach (var (k, v) in variables)
        {
            merged[k] = v;
        }

        return new JinjaChatTemplate(Template.Source, _specialTokens, Origin, merged, _clock);
    }

    /// <summary>
    /// Renders a conversation whose messages are template values (dictionaries with <c>role</c>, <c>content</c> and
    /// anything else the template reads: <c>tool_calls</c>, <c>reasoning_content</c>, lists of content parts).
    /// </summary>
    /// <exception cref="JinjaRenderException">The template failed or refused the conversation (<c>raise_exception</c>).</exception>
    public string Render(IReadOnlyList<object?> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Template.Render(Variables(new List<object?>(messages.Select(JinjaValues.From)), addGenerationPrompt, extra), _clock);
    }

    /// <inheritdoc />
    public override IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var (text, regions) = RenderWithRegions(messages, addGenerationPrompt, tokenizer);
        var segments = new List<ChatSegment>();
        var position = 0;
        foreach (var (start, end) in regions)
        {
            segments.Add(ChatSegment.Plain(text[position..start]));
            segments.Add(ChatSegment.Plain(text[start..end], trainable: true));
            position = end;
        }

        segments.Add(ChatSegment.Plain(text[position..]));
        return [.. segments.Where(s => s.Text.Length > 0)];
    }

    /// <inheritdoc />
    public override int EndOfTurnId(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        try
        {
            var probe = new[] { ChatMessage.User("What is 1 + 1?"), ChatMessage.Assistant("2") };
            var (text, regions) = RenderWithRegions(probe, addGenerationPrompt: false, tokenizer);
            if (regions.Count > 0 && SpecialTokenBefore(text, regions[^1].End, tokenizer) is { } token)
            {
                return token.Id;
            }
        }
        catch (JinjaException)
        {
            // The template refuses the probe conversation: the tokenizer's end of sequence it is.
        }

        return tokenizer.SpecialTokens.Eos?.Id
            ?? throw new InvalidOperationException($"{Origin}: cannot tell which token ends an assistant turn: the template puts no special token after the assistant's text and the tokenizer has no end-of-sequence token");
    }

    private Dictionary<string, object?> Variables(List<object?> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["tools"] = null,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        foreach (var source in new[] { _specialTokens, _variables, extra ?? new Dictionary<string, object?>() })
        {
            foreach (var (k, v) in source)
            {
                variables[k] = v;
            }
        }

        return variables;
    }

    private static OrderedDictionary<object, object?> Message(string role, string content)
    {
        var message = new OrderedDictionary<object, object?>(2, PythonValues.KeyComparer) { ["role"] = role, ["content"] = content };
        return message;
    }

    /// <summary>The rendering and its assistant regions (start, end), in order and not overlapping.</summary>
    private (string Text, List<(int Start, int End)> Regions) RenderWithRegions(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        var provenance = new TextProvenance(enabled: true);
        var values = new List<object?>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            values.Add(Message(m.Role, m.IsAssistant ? provenance.Track(m.Content, i) : m.Content));
        }

        var rendering = Template.RenderTracked(Variables(values, addGenerationPrompt, null), provenance, _clock);
        var text = rendering.Text;
        if (Template.UsesGeneration)
        {
            return (text, [.. rendering.GenerationSpans]);
        }

        var regions = new List<(int Start, int End)>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (!messages[i].IsAssistant)
            {
                continue;
            }

            var pieces = rendering.Pieces.Where(p => p.Source == i).ToList();
            if (pieces.Count == 0)
            {
                if (string.IsNullOrWhiteSpace(messages[i].Content))
                {
                    continue;
                }

                throw new InvalidDataException(
                    $"{Origin}: the text of assistant message {i + 1} does not reach the rendering through operations the assistant mask can follow " +
                    "(slices, trim/strip, split, concatenation); mark the assistant's output with {% generation %} blocks in the template");
            }

            var floor = regions.Count > 0 ? regions[^1].End : 0;
            var start = Math.Max(floor, pieces.Min(p => p.Start));
            var end = pieces.Max(p => p.Start + p.Length);
            start = HeaderEnd(messages, i, text, start, floor, rendering.Pieces);
            if (SpecialTokenBefore(text, end, tokenizer) is { } endOfTurn)
            {
                end += endOfTurn.Content.Length;
            }

            regions.Add((start, end));
        }

        return (text, regions);
    }

    /// <summary>
    /// Where the model's own output begins for assistant message <paramref name="index"/>: the end of the assistant header
    /// (what add_generation_prompt adds to the conversation before it) when it occurs just before the content, with no
    /// other message's text in between; else the content's start.
    /// </summary>
    private int HeaderEnd(IReadOnlyList<ChatMessage> messages, int index, string text, int contentStart, int floor, IReadOnlyList<TextProvenance.Piece> pieces)
    {
        string header;
        try
        {
            var before = new List<object?>(messages.Take(index).Select(m => (object?)Message(m.Role, m.Content)));
            var withPrompt = Template.Render(Variables(before, addGenerationPrompt: true, null), _clock);
            var without = Template.Render(Variables(before, addGenerationPrompt: false, null), _clock);
            header = withPrompt.StartsWith(without, StringComparison.Ordinal) ? withPrompt[without.Length..] : string.Empty;
        }
        catch (JinjaRenderException)
        {
            // The template refuses the conversation cut before this turn (one that must end with the assistant, say).
            header = string.Empty;
        }

        if (header.Length == 0)
        {
            return contentStart;
        }

        for (var at = contentStart - header.Length; at >= floor; at--)
        {
            if (text.AsSpan(at).StartsWith(header, StringComparison.Ordinal))
            {
                var headerEnd = at + header.Length;
                var foreign = pieces.Any(p => p.Start < contentStart && p.Start + p.Length > headerEnd && p.Source != index);
                return foreign ? contentStart : headerEnd;
            }
        }

        return contentStart;
    }

    /// <summary>The special token (an added token marked special) that <paramref name="text"/> has at <paramref name="offset"/>, the longest when several match.</summary>
    private static AddedToken? SpecialTokenBefore(string text, int offset, ITokenizer tokenizer) => tokenizer.AddedTokens
        .Where(t => t.Special && t.Content.Length > 0 && text.AsSpan(offset).StartsWith(t.Content, StringComparison.Ordinal))
        .MaxBy(t => t.Content.Length);
}
