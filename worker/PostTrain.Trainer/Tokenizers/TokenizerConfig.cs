using System.Text.Json;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>The parts of a Hugging Face tokenizer_config.json this project uses: special-token roles and the chat template.</summary>
/// <param name="BosToken">bos_token, if set.</param>
/// <param name="EosToken">eos_token, if set.</param>
/// <param name="PadToken">pad_token, if set.</param>
/// <param name="UnkToken">unk_token, if set.</param>
/// <param name="ChatTemplate">chat_template (Jinja source), if set.</param>
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
                // A list of named templates: take "default", else the first.
                string? first = null;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.String)
                    {
                        first ??= template.GetString();
                        if (item.TryGetProperty("name", out var name) && name.GetString() == "default")
                        {
                            return template.GetString();
                        }
                    }
                }

                return first;
            default:
                throw new TokenizerFormatException($"{path}: field 'chat_template' must be a string or a list of {{name, template}}");
        }
    }
}
