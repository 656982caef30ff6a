using System.Text.Json;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>The parts of a Hugging Face tokenizer_config.json this project uses: special-token roles and the chat template.</summary>
/// <param name="BosToken">bos_token, if set.</param>
/// <param name="EosToken">eos_token, if set.</param>
/// <param name="PadToken">pad_token, if set.</param>
/// <param name="UnkToken">unk_token, if set.</param>
/// <param name="ChatTemplate">chat_template (Jinja source), if set; of a list of named templates, the one named "default" (or the only one).</param>
public sealed record TokenizerConfig(string? BosToken, string? EosToken, string? PadToken, string? UnkToken, string? ChatTemplate)
{
    /// <summary>Reads tokenizer_config.json. Token fields may be strings or <c>{"content": ...}</c> objects.</summary>
    /// <exception cref="TokenizerFormatException">The file is not valid JSON or a field has the wrong type.</exception>
    public static TokenizerConfig Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFormatException($"{path}: field '(root)' must be a JSON object");
            }

            return new TokenizerConfig(
                Token(root, "bos_token", path),
                Token(root, "eos_token", path),
                Token(root, "pad_token", path),
                Token(root, "unk_token", path),
                Template(root, path));
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    private static string? Token(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => throw new TokenizerFormatException($"{path}: field '{name}' must be a string or an object with 'content'"),
        };
    }

    private static string? Template(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Array:
                // A list of named templates: transformers uses "default" (and "tool_use" only when tools are passed).
                var named = new List<(string Name, string Template)>();
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.String)
                    {
                        var name = item.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : string.Empty;
                        named.Add((name, template.GetString()!));
                    }
                }

                if (named.FirstOrDefault(t => t.Name == "default") is { Template: not null } chosen)
                {
                    return chosen.Template;
                }

                return named.Count switch
                {
                    0 => null,
                    1 => named[0].Template,
                    _ => throw new TokenizerFormatException($"{path}: field 'chat_template' lists several templates ({string.Join(", ", named.Select(t => t.Name))}) and none is named 'default'"),
                };
            default:
                throw new TokenizerFormatException($"{path}: field 'chat_template' must be a string or a list of {{name, template}}");
        }
    }
}
