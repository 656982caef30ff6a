using System.Text.Json;
using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// Reads GPT-2's original tokenizer files: encoder.json (token → id) and vocab.bpe (one merge per line after a
/// <c>#version</c> header). Like OpenAI's encoder.py and the gpt-3-encoder package, text is split with GPT-2's
/// pattern and added tokens such as <c>&lt;|endoftext|&gt;</c> written in text are ordinary text; the token is
/// still known as the end-of-sequence id.
/// </summary>
internal static class Gpt2FilesReader
{
    private const string PreTokenizerJson = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";
    private const string DecoderJson = "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}";

    public static ByteLevelBpeTokenizer Read(string encoderPath, string mergesPath)
    {
        // Parsed with JsonDocument rather than JsonSerializer, which trimmed builds (the worker) do not allow.
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(encoderPath);
            using var document = JsonDocument.Parse(stream);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFormatException($"{encoderPath}: must be a JSON object of token to integer id");
            }

            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                {
                    throw new TokenizerFormatException($"{encoderPath}: field '{entry.Name}' must be a non-negative integer id");
                }

                vocab[entry.Name] = id;
            }
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{encoderPath}: not valid JSON: {e.Message}", e);
        }

        if (vocab.Count == 0)
        {
            throw new TokenizerFormatException($"{encoderPath}: the vocabulary is empty");
        }

        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new TokenizerFormatException($"{mergesPath}:{lineNumber}: a merge must be two tokens separated by one space, got \"{line}\"");
            }

            merges.Add((parts[0], parts[1]));
        }

        var source = Path.GetDirectoryName(Path.GetFullPath(mergesPath)) ?? mergesPath;
        var added = vocab.TryGetValue("<|endoftext|>", out var eosId) ? new List<AddedToken> { new(eosId, "<|endoftext|>", Special: true) } : [];
        var model = new BpeModel(vocab, merges, ignoreMerges: false, unkId: null, source);
        var pipeline = new TokenizerPipeline(
            null,
            new SplitPreTokenizer(GptSplitScanner.Gpt2, SplitBehavior.Isolated, false),
            false,
            [],
            [],
            RecognizeAddedTokensInText: false,
            "null",
            PreTokenizerJson,
            "null",
            DecoderJson);
        return new ByteLevelBpeTokenizer(model, pipeline, added, SpecialTokenResolver.Resolve(vocab, null, null), source);
    }
}
