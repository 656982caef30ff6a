using System.Text.Json;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tokenizers.Chat;

/// <summary>
/// Finds a model's own chat template as transformers does: <c>chat_template.jinja</c> beside the tokenizer files wins
/// (newer Hugging Face repositories ship it), else <c>chat_template</c> in <c>tokenizer_config.json</c> (a string, or a
/// list of named templates of which <c>default</c> is used). The special tokens the config names
/// (<c>bos_token</c>, <c>eos_token</c>, <c>unk_token</c>, <c>sep_token</c>, <c>pad_token</c>, <c>cls_token</c>,
/// <c>mask_token</c>, <c>additional_special_tokens</c>) become template variables, as transformers'
/// <c>special_tokens_map</c> does.
/// </summary>
public static class ChatTemplateFiles
{
    /// <summary>The file name of a stand-alone template.</summary>
    public const string JinjaFileName = "chat_template.jinja";

    /// <summary>The tokenizer configuration's file name.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    private static readonly string[] SpecialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    /// <summary>
    /// The template of <paramref name="path"/> (a model directory or a tokenizer_config.json), or null when it has none.
    /// </summary>
    /// <exception cref="InvalidDataException">The template is not Jinja this renderer supports (the message names the file, the construct and its line:column), or the config is malformed.</exception>
    public static JinjaChatTemplate? Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var config = Directory.Exists(path) ? Path.Combine(path, ConfigFileName) : path;
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory", path);
        }

        var variables = File.Exists(config) ? SpecialTokenVariables(config) : new Dictionary<string, object?>();
        var jinjaFile = Path.Combine(directory, JinjaFileName);
        if (File.Exists(jinjaFile))
        {
            return Parse(File.ReadAllText(jinjaFile), variables, JinjaFileName, jinjaFile);
        }

        if (File.Exists(config) && TokenizerConfig.Read(config).ChatTemplate is { } source)
        {
            return Parse(source, variables, $"{Path.GetFileName(config)} (chat_template)", $"{config} (chat_template)");
        }

        return null;
    }

    /// <summary>
    /// Parses a template. Its <see cref="JinjaChatTemplate.Origin"/> is the file's name (<paramref name="origin"/>), which
    /// the jobs log: a path inside the pod would mean nothing to the user. A parse error names the whole path
    /// (<paramref name="where"/>), the file to fix.
    /// </summary>
    private static JinjaChatTemplate Parse(string source, IReadOnlyDictionary<string, object?> variables, string origin, string where)
    {
        try
        {
            return new JinjaChatTemplate(source, variables, origin);
        }
        catch (JinjaSyntaxException e)
        {
            throw new InvalidDataException($"{where}: the chat template cannot be used: {e.Message}", e);
        }
    }

    /// <summary>The special tokens a tokenizer_config.json names, as template variables (tokens set to null are left out).</summary>
    public static Dictionary<string, object?> SpecialTokenVariables(string configPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(configPath), new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = document.RootElement;
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object)
        {
            return variables;
        }

        foreach (var name in SpecialTokenNames)
        {
            if (root.TryGetProperty(name, out var value) && Content(value) is { } content)
            {
                variables[name] = content;
            }
        }

        if (root.TryGetProperty("additional_special_tokens", out var additional) && additional.ValueKind == JsonValueKind.Array)
        {
            variables["additional_special_tokens"] = new List<object?>(additional.EnumerateArray().Select(Content).Where(c => c is not null));
        }

        return variables;
    }

    private static string? Content(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
        _ => null,
    };
}
