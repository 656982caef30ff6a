using System.Text.Json;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>The shared chat-template test data: four real templates and 48 reference renderings (../shared/testdata/chat-templates).</summary>
internal static class ChatTemplateTestData
{
    private static readonly Lazy<IReadOnlyList<ReferenceCase>> LazyCases = new(ReadCases);

    public static string Folder => Path.Combine(TestPaths.SharedTestData, "chat-templates");

    public static string[] TemplateNames { get; } = ["qwen3", "llama3_1", "deepseek_v3", "gemma3"];

    public static IReadOnlyList<ReferenceCase> Cases => LazyCases.Value;

    /// <summary>The model's template as the worker loads it.</summary>
    public static JinjaChatTemplate Load(string name) => ChatTemplateFiles.Load(Path.Combine(Folder, name)) ?? throw new InvalidOperationException($"{name}: no template");

    /// <summary>The raw template source and the special-token variables of a model's config.</summary>
    public static (string Source, Dictionary<string, object?> SpecialTokens) Raw(string name)
    {
        var config = Path.Combine(Folder, name, "tokenizer_config.json");
        using var document = JsonDocument.Parse(File.ReadAllText(config));
        return (document.RootElement.GetProperty("chat_template").GetString()!, ChatTemplateFiles.SpecialTokenVariables(config));
    }

    private static List<ReferenceCase> ReadCases()
    {
        var cases = new List<ReferenceCase>();
        var line = 0;
        foreach (var text in File.ReadLines(Path.Combine(Folder, "cases.jsonl")))
        {
            line++;
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var extra = root.GetProperty("extra").EnumerateObject().ToDictionary(p => p.Name, p => JinjaValues.FromJson(p.Value));
            cases.Add(new ReferenceCase(
                line,
                root.GetProperty("template").GetString()!,
                root.GetProperty("conversation").GetString()!,
                (List<object?>)JinjaValues.FromJson(root.GetProperty("messages"))!,
                root.GetProperty("add_generation_prompt").GetBoolean(),
                extra,
                root.GetProperty("rendered").GetString()!,
                root.GetProperty("messages").GetRawText(),
                root.GetProperty("extra").GetRawText()));
        }

        return cases;
    }

    public sealed record ReferenceCase(int Line, string Template, string Conversation, List<object?> Messages, bool AddGenerationPrompt, Dictionary<string, object?> Extra, string Rendered, string MessagesJson, string ExtraJson)
    {
        public override string ToString() => $"line {Line}: {Template}/{Conversation}{(AddGenerationPrompt ? " +prompt" : string.Empty)}";
    }
}
