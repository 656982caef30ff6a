using System.Text;

namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// Renders conversations the way a model expects into token ids and the assistant mask SFT needs: the model's own
/// Jinja template (<see cref="JinjaChatTemplate"/>) when it has one, else a built-in (<see cref="ChatMl"/>,
/// <see cref="Llama3"/>, or <see cref="Plain"/>), as <see cref="Detect"/> chooses. The rendering is a list of
/// segments tokenized one by one (the assistant's regions apart from the rest), so the ids of a generation prompt are a
/// prefix of the ids of the same conversation with the answer: what the model sees in training is what it sees when
/// generating. This equals tokenizing the whole rendered text (Hugging Face's apply_chat_template) except where BPE
/// would have merged text across a segment boundary (a message starting or ending with whitespace).
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>ChatML, as used by Qwen2/2.5/3: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>.</summary>
    public static ChatTemplate ChatMl { get; } = new ChatMlTemplate();

    /// <summary>Llama 3: <c>&lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;</c>.</summary>
    public static ChatTemplate Llama3 { get; } = new Llama3Template();

    /// <summary>A plain-text template for models without one: <c>User: ...\nAssistant: ...&lt;eos&gt;\n</c>.</summary>
    public static ChatTemplate Plain { get; } = new PlainTemplate();

    /// <summary>The template's name: "jinja" for a model's own, or the built-in's: "chatml", "llama3" or "plain".</summary>
    public abstract string Name { get; }

    /// <summary>What the template is and where it came from, for the worker's log.</summary>
    public virtual string Description => $"the built-in {Name} template (the model has no chat template of its own)";

    /// <summary>The model's own template from its Jinja source (parsed now); plain when there is none.</summary>
    /// <exception cref="Jinja.JinjaSyntaxException">The source uses a construct outside the supported subset.</exception>
    public static ChatTemplate FromJinja(string? chatTemplate, IReadOnlyDictionary<string, object?>? specialTokens = null) =>
        chatTemplate is null ? Plain : new JinjaChatTemplate(chatTemplate, specialTokens);

    /// <summary>The template of the model in <paramref name="directory"/> (<see cref="ChatTemplateFiles"/>); plain when it has none.</summary>
    /// <exception cref="InvalidDataException">The model's template cannot be used.</exception>
    public static ChatTemplate FromDirectory(string directory) => ChatTemplateFiles.Load(directory) ?? Plain;

    /// <summary>
    /// Picks the template for a tokenizer: the model's own (chat_template.jinja or tokenizer_config.json's chat_template)
    /// when <paramref name="directory"/> holds one; otherwise a built-in chosen by the tokenizer's own tokens — Llama 3
    /// when it has <c>&lt;|start_header_id|&gt;</c>, <c>&lt;|end_header_id|&gt;</c> and <c>&lt;|eot_id|&gt;</c>, else
    /// ChatML when it has <c>&lt;|im_start|&gt;</c> and <c>&lt;|im_end|&gt;</c> — and plain when neither.
    /// </summary>
    /// <exception cref="InvalidDataException">The model's template cannot be used.</exception>
    public static ChatTemplate Detect(ITokenizer tokenizer, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (directory is not null && ChatTemplateFiles.Load(directory) is { } own)
        {
            return own;
        }

        if (tokenizer.TokenToId("<|start_header_id|>") is not null && tokenizer.TokenToId("<|end_header_id|>") is not null
            && tokenizer.TokenToId("<|eot_id|>") is not null)
        {
            return Llama3;
        }

        return tokenizer.TokenToId("<|im_start|>") is not null && tokenizer.TokenToId("<|im_end|>") is not null ? ChatMl : Plain;
    }

    /// <summary>The template by name ("chatml"/"qwen", "llama3", "plain").</summary>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static ChatTemplate FromName(string name) => name.ToUpperInvariant() switch
    {
        "CHATML" or "QWEN" => ChatMl,
        "LLAMA3" or "LLAMA-3" => Llama3,
        "PLAIN" => Plain,
        _ => throw new ArgumentException($"unknown chat template '{name}' (known: chatml, llama3, plain)", nameof(name)),
    };

    /// <summary>The Jinja source of this template, for tokenizer_config.json's chat_template.</summary>
    public abstract string Jinja { get; }

    /// <summary>The pieces of a conversation; with <paramref name="addGenerationPrompt"/> the assistant header follows.</summary>
    public abstract IReadOnlyList<ChatSegment> Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer);

    /// <summary>The conversation as text (special tokens spelled out), as Hugging Face's apply_chat_template(tokenize=False).</summary>
    public string RenderText(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, ITokenizer tokenizer)
    {
        var sb = new StringBuilder();
        foreach (var segment in Render(messages, addGenerationPrompt, tokenizer))
        {
            sb.Append(segment.Text);
        }

        return sb.ToString();
    }

    /// <summary>Encodes a conversation for training: ids and the assistant mask.</summary>
    /// <exception cref="InvalidOperationException">The tokenizer lacks a special token the template needs.</exception>
    public ChatEncoding Encode(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages)
    {
        return EncodeSegments(tokenizer, Render(messages, addGenerationPrompt: false, tokenizer));
    }

    /// <summary>Encodes a prompt for generation: the conversation so far and the assistant header, ready for the model to continue.</summary>
    /// <exception cref="InvalidOperationException">The tokenizer lacks a special token the template needs.</exception>
    public int[] EncodeGenerationPrompt(ITokenizer tokenizer, IReadOnlyList<ChatMessage> messages)
    {
        return EncodeSegments(tokenizer, Render(messages, addGenerationPrompt: true, tokenizer)).InputIds;
    }

    /// <summary>The token that ends an assistant turn (generation stops there).</summary>
    /// <exception cref="InvalidOperationException">The tokenizer lacks it.</exception>
    public abstract int EndOfTurnId(ITokenizer tokenizer);

    /// <summary>Tokenizes segments one by one and builds the mask.</summary>
    public static ChatEncoding EncodeSegments(ITokenizer tokenizer, IReadOnlyList<ChatSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(segments);
        var ids = new List<int>();
        var mask = new List<int>();
        foreach (var segment in segments)
        {
            var before = ids.Count;
            if (segment.IsSpecialToken)
            {
                ids.Add(RequireToken(tokenizer, segment.Text));
            }
            else if (segment.Text.Length > 0)
            {
                ids.AddRange(tokenizer.Encode(segment.Text));
            }

            for (var i = before; i < ids.Count; i++)
            {
                mask.Add(segment.Trainable ? 1 : 0);
            }
        }

        return new ChatEncoding(ids.ToArray(), mask.ToArray());
    }

    /// <summary>The id of a special token the template needs.</summary>
    /// <exception cref="InvalidOperationException">The tokenizer lacks it.</exception>
    protected static int RequireToken(ITokenizer tokenizer, string token)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return tokenizer.TokenToId(token) ?? throw new InvalidOperationException($"the tokenizer has no '{token}' token, which this chat template needs");
    }
}
