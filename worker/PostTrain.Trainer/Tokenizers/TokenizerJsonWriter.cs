using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>Writes a <see cref="ByteLevelBpeTokenizer"/> as a Hugging Face tokenizer.json (format version 1.0).</summary>
internal static class TokenizerJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(ByteLevelBpeTokenizer tokenizer, string path)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            Write(tokenizer, stream);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static string ToJson(ByteLevelBpeTokenizer tokenizer)
    {
        using var stream = new MemoryStream();
        Write(tokenizer, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(ByteLevelBpeTokenizer tokenizer, Stream stream)
    {
        var pipeline = tokenizer.Pipeline;
        var model = tokenizer.Model;
        using var w = new Utf8JsonWriter(stream, Options);
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        foreach (var token in tokenizer.AddedTokens)
        {
            w.WriteStartObject();
            w.WriteNumber("id", token.Id);
            w.WriteString("content", token.Content);
            w.WriteBoolean("single_word", token.SingleWord);
            w.WriteBoolean("lstrip", token.LStrip);
            w.WriteBoolean("rstrip", token.RStrip);
            w.WriteBoolean("normalized", token.Normalized);
            w.WriteBoolean("special", token.Special);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName("normalizer");
        w.WriteRawValue(pipeline.NormalizerJson);
        w.WritePropertyName("pre_tokenizer");
        w.WriteRawValue(pipeline.PreTokenizerJson);
        w.WritePropertyName("post_processor");
        w.WriteRawValue(pipeline.PostProcessorJson);
        w.WritePropertyName("decoder");
        w.WriteRawValue(pipeline.DecoderJson);
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        if (model.UnkId is { } unk)
        {
            w.WriteString("unk_token", tokenizer.IdToToken(unk));
        }
        else
        {
            w.WriteNull("unk_token");
        }

        w.WriteString("continuing_subword_prefix", string.Empty);
        w.WriteString("end_of_word_suffix", string.Empty);
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", model.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in model.Vocab.OrderBy(e => e.Value))
        {
            w.WriteNumber(token, id);
        }

        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in model.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(tokenizer.IdToToken(left));
            w.WriteStringValue(tokenizer.IdToToken(right));
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
