using System.Text.Json.Nodes;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>
/// Seeded random conversations in the shapes real chat data takes, to check the renderer against Jinja2 beyond the
/// reference cases: with and without a system message, one to four turns, ending with the user or the assistant, tool
/// calls and tool responses (arguments as a JSON string or an object), Qwen3 reasoning (<c>reasoning_content</c> or an
/// inline <c>&lt;think&gt;</c> block), lists of content parts, tool definitions, <c>enable_thinking</c> absent, true
/// or false, and now and then a conversation a template refuses (two user turns in a row).
/// </summary>
internal sealed class ConversationGenerator(int seed)
{
    private static readonly string[] Texts =
    [
        "What is 3 + 5?",
        "3 + 5 = 8\n#### 8",
        "  leading and trailing spaces  ",
        "line one\nline two\n",
        "\n\nstarts with newlines",
        "Unicode: é→日本語 😀 ｜",
        "quotes ' \" and a backslash \\ here",
        "{{ not a template }} {% neither %} {# nor #}",
        "tab\there",
        "",
        "<tool_response>\n42\n</tool_response>",
        "a stray </think> in the middle",
        "Explain step by step: 12 * 12.",
    ];

    private static readonly string[] ToolNames = ["get_weather", "calculator", "search"];

    private readonly Random _random = new(seed);

    /// <summary>One conversation for <paramref name="template"/> (qwen3, llama3_1, deepseek_v3, gemma3): its messages, the generation-prompt flag and the extra variables.</summary>
    public (JsonArray Messages, bool AddGenerationPrompt, JsonObject Extra) Next(string template)
    {
        var messages = new JsonArray();
        var tools = template is "qwen3" or "deepseek_v3";
        if (Chance(0.5))
        {
            messages.Add(Message("system", Content(template, "You are a helpful assistant. " + Text())));
        }

        var turns = _random.Next(1, 5);
        var endWithAssistant = Chance(0.4);
        for (var t = 0; t < turns; t++)
        {
            messages.Add(Message("user", Content(template, Text())));
            if (Chance(0.08))
            {
                messages.Add(Message("user", Text()));
            }

            var last = t == turns - 1;
            if (last && !endWithAssistant)
            {
                break;
            }

            if (tools && Chance(0.35))
            {
                messages.Add(ToolCall(template));
                for (var r = _random.Next(1, 3); r > 0; r--)
                {
                    messages.Add(Message("tool", "{\"result\": " + _random.Next(100) + "}"));
                }
            }

            messages.Add(Assistant(template));
        }

        var extra = new JsonObject();
        switch (_random.Next(3))
        {
            case 1:
                extra["enable_thinking"] = true;
                break;
            case 2:
                extra["enable_thinking"] = false;
                break;
        }

        if (template == "qwen3" && Chance(0.3))
        {
            extra["tools"] = new JsonArray(ToolNames.Take(_random.Next(1, 4)).Select(ToolDefinition).ToArray<JsonNode?>());
        }

        return (messages, Chance(0.5), extra);
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    private string Text() => Texts[_random.Next(Texts.Length)];

    private JsonNode Content(string template, string text)
    {
        if (template != "gemma3" || !Chance(0.3))
        {
            return text;
        }

        var parts = new JsonArray();
        if (Chance(0.5))
        {
            parts.Add(new JsonObject { ["type"] = "image" });
        }

        parts.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        return parts;
    }

    private static JsonObject Message(string role, JsonNode? content) => new() { ["role"] = role, ["content"] = content };

    private JsonObject Assistant(string template)
    {
        var message = Message("assistant", Text());
        if (template == "qwen3")
        {
            switch (_random.Next(3))
            {
                case 1:
                    message["reasoning_content"] = "\nLet me think. " + Text() + "\n";
                    break;
                case 2:
                    message["content"] = "<think>\nFirst " + Text() + "\n</think>\n\n" + Text();
                    break;
            }
        }

        return message;
    }

    private JsonObject ToolCall(string template)
    {
        var calls = new JsonArray();
        for (var n = _random.Next(1, 3); n > 0; n--)
        {
            var arguments = new JsonObject { ["city"] = "Zürich", ["days"] = _random.Next(1, 8), ["metric"] = Chance(0.5) };
            calls.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = ToolNames[_random.Next(ToolNames.Length)],
                    ["arguments"] = template == "deepseek_v3" || Chance(0.5) ? arguments.ToJsonString() : arguments,
                },
            });
        }

        // DeepSeek-V3 writes tool calls for an assistant message whose content is None; Qwen3 beside any content.
        return new JsonObject { ["role"] = "assistant", ["content"] = template == "deepseek_v3" ? null : Chance(0.5) ? string.Empty : Text(), ["tool_calls"] = calls };
    }

    private static JsonObject ToolDefinition(string name) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"Calls {name}.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["city"] = new JsonObject { ["type"] = "string", ["description"] = "A city, e.g. Zürich" } },
                ["required"] = new JsonArray("city"),
            },
        },
    };
}
