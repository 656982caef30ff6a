using System.Text.Encodings.Web;
using System.Text.Json;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>Writes a tokenizer into a Hugging Face-style folder (a checkpoint): tokenizer.json and tokenizer_config.json.</summary>
public static class TokenizerFiles
{
    /// <summary>Writes tokenizer.json and tokenizer_config.json (special-token roles, chat template, tokenizer_class) into <paramref name="directory"/>, creating it if needed.</summary>
    public static void Save(ByteLevelBpeTokenizer tokenizer, TokenizerConfig config, string directory)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(directory);
        tokenizer.Save(Path.Combine(directory, "tokenizer.json"));
        var path = Path.Combine(directory, "tokenizer_config.json");
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
            WriteToken(w, "bos_token", config.BosToken);
            WriteToken(w, "eos_token", config.EosToken);
            WriteToken(w, "pad_token", config.PadToken);
            WriteToken(w, "unk_token", config.UnkToken);
            w.WriteBoolean("clean_up_tokenization_spaces", false);
            if (config.ChatTemplate is { } template)
            {
                w.WriteString("chat_template", template);
            }

            w.WriteEndObject();
        }

        File.Move(temp, path, overwrite: true);
    }

    private static void WriteToken(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
