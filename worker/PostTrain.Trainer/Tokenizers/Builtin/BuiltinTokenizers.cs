using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tokenizers.Builtin;

/// <summary>
/// Tokenizers that ship with the project, for builtin://tiny and tests. They are ordinary byte-level BPE
/// tokenizers: they save to a Hugging Face tokenizer.json (<see cref="SaveArithmetic"/>) that
/// <see cref="TokenizerLoader"/> loads back to the same encodings, and every string round-trips because all
/// 256 bytes are tokens.
/// </summary>
public static class BuiltinTokenizers
{
    /// <summary>The end-of-text token (also used for padding).</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>ChatML's turn start.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>ChatML's turn end, the end-of-sequence token for chat.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>The padding token.</summary>
    public const string Pad = "<pad>";

    /// <summary>The URI the arithmetic tokenizer is known by.</summary>
    public const string ArithmeticUri = "builtin://tokenizers/arithmetic";

    private const int ArithmeticMerges = 2048;

    private static readonly Lazy<ByteLevelBpeTokenizer> LazyArithmetic = new(BuildArithmetic);

    /// <summary>
    /// A deterministic tokenizer for arithmetic word problems, of 1,660 tokens: the 256 byte tokens,
    /// BPE merges trained to completion on <see cref="ArithmeticWords"/>, so each listed word is one token (common words with and without a leading space,
    /// operators, <c>####</c>, GSM8K's <c>&lt;&lt;</c> / <c>&gt;&gt;</c>, newlines), and the special tokens
    /// <c>&lt;|endoftext|&gt;</c>, <c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c> and <c>&lt;pad&gt;</c> last.
    /// Text is split with Qwen's pattern, so every digit is its own token. No normaliser: decode(encode(x)) == x
    /// for any string of valid Unicode. Its chat template is ChatML; eos is <c>&lt;|im_end|&gt;</c>, pad is <c>&lt;pad&gt;</c>.
    /// </summary>
    public static ByteLevelBpeTokenizer Arithmetic => LazyArithmetic.Value;

    /// <summary>The tokenizer_config.json facts for <see cref="Arithmetic"/>: special-token roles and the ChatML template.</summary>
    public static TokenizerConfig ArithmeticConfig { get; } = new(null, ImEnd, Pad, null, ChatTemplate.ChatMl.Jinja);

    /// <summary>Writes tokenizer.json and tokenizer_config.json for <see cref="Arithmetic"/> into <paramref name="directory"/> (a checkpoint folder).</summary>
    public static void SaveArithmetic(string directory) => TokenizerFiles.Save(Arithmetic, ArithmeticConfig, directory);

    private static ByteLevelBpeTokenizer BuildArithmetic()
    {
        var json = ArithmeticTokenizerJson();
        using var document = JsonDocument.Parse(json);
        return TokenizerJsonReader.Read(document.RootElement, ArithmeticUri, ArithmeticConfig);
    }

    /// <summary>The arithmetic tokenizer as tokenizer.json text, built from the word list.</summary>
    internal static string ArithmeticTokenizerJson()
    {
        var words = new List<(string, int)>();
        void AddWord(string word, int weight)
        {
            words.Add((Spell(word), weight));
            words.Add((Spell(" " + word), weight));
            var capital = char.ToUpperInvariant(word[0]) + word[1..];
            if (capital != word)
            {
                words.Add((Spell(capital), weight));
                words.Add((Spell(" " + capital), weight));
            }
        }

        foreach (var w in ArithmeticWords.Common.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            AddWord(w, 4);
        }

        foreach (var w in ArithmeticWords.Content.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            AddWord(w, 2);
        }

        foreach (var s in ArithmeticWords.Symbols)
        {
            words.Add((Spell(s), 4));
        }

        var merges = BpeTrainer.Train(words, ArithmeticMerges);
        var vocab = new List<string>(256 + merges.Count);
        for (var b = 0; b < 256; b++)
        {
            vocab.Add(ByteLevelAlphabet.ByteToChar[b].ToString());
        }

        foreach (var (left, right) in merges)
        {
            vocab.Add(left + right);
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            var id = vocab.Count;
            foreach (var special in new[] { EndOfText, ImStart, ImEnd, Pad })
            {
                w.WriteStartObject();
                w.WriteNumber("id", id++);
                w.WriteString("content", special);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNull("normalizer");
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", GptSplitScanner.Qwen2Pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            WriteByteLevel(w, null);
            w.WriteEndArray();
            w.WriteEndObject();
            WriteByteLevel(w, "post_processor");
            WriteByteLevel(w, "decoder");
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteString("continuing_subword_prefix", string.Empty);
            w.WriteString("end_of_word_suffix", string.Empty);
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            for (var i = 0; i < vocab.Count; i++)
            {
                w.WriteNumber(vocab[i], i);
            }

            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                w.WriteStartArray();
                w.WriteStringValue(left);
                w.WriteStringValue(right);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? name)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }

        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    private static string Spell(string text) => ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(text));
}
