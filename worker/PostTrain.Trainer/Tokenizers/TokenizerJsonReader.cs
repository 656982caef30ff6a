using System.Text.Json;
using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// Reads a Hugging Face tokenizer.json describing a byte-level BPE tokenizer. Supported: model BPE
/// (ignore_merges, unk_token; merges as "a b" strings or [a, b] pairs), normalizer NFC / Lowercase /
/// Sequence / none, pre-tokenizers Split (Regex or String pattern, every behavior, invert), ByteLevel,
/// Digits and Sequence, post-processors ByteLevel / TemplateProcessing / RobertaProcessing / BertProcessing
/// / Sequence, decoder ByteLevel. Anything else raises a <see cref="TokenizerFormatException"/> naming the
/// file and the field.
/// </summary>
internal static class TokenizerJsonReader
{
    public static ByteLevelBpeTokenizer Read(string path, string? configPath)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path}: not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var config = configPath is not null && File.Exists(configPath) ? TokenizerConfig.Read(configPath) : null;
            return Read(document.RootElement, path, config);
        }
    }

    public static ByteLevelBpeTokenizer Read(JsonElement root, string source, TokenizerConfig? config)
    {
        try
        {
            return ReadChecked(root, source, config);
        }
        catch (InvalidOperationException e)
        {
            // A JsonElement accessed as the wrong kind somewhere not checked field by field.
            throw new TokenizerFormatException($"{source}: unexpected JSON shape: {e.Message}", e);
        }
    }

    private static ByteLevelBpeTokenizer ReadChecked(JsonElement root, string source, TokenizerConfig? config)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, "(root)", "must be a JSON object");
        }

        var model = Required(root, "model", source, "model");
        if (model.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, "model", "must be an object");
        }

        var type = OptionalString(model, "type", source, "model.type");
        if (type is not null && type != "BPE")
        {
            throw Error(source, "model.type", $"'{type}' is not supported: only byte-level BPE models are (not WordPiece, Unigram or WordLevel)");
        }

        var vocabElement = Required(model, "vocab", source, "model.vocab");
        if (vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, "model.vocab", "must be an object of token to id");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw Error(source, $"model.vocab[\"{entry.Name}\"]", "must be a non-negative integer id");
            }

            vocab[entry.Name] = id;
        }

        var mergesElement = Required(model, "merges", source, "model.merges");
        if (mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw Error(source, "model.merges", "must be an array");
        }

        var merges = new List<(string, string)>(mergesElement.GetArrayLength());
        var index = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            merges.Add(ParseMerge(merge, source, index++));
        }

        foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            var value = OptionalString(model, name, source, "model." + name);
            if (!string.IsNullOrEmpty(value))
            {
                throw Error(source, "model." + name, $"'{value}' is not supported (byte-level BPE uses none)");
            }
        }

        if (OptionalBool(model, "byte_fallback", source, "model.byte_fallback") == true)
        {
            throw Error(source, "model.byte_fallback", "true is not supported: SentencePiece-style <0xNN> byte fallback is not byte-level BPE");
        }

        var ignoreMerges = OptionalBool(model, "ignore_merges", source, "model.ignore_merges") ?? false;
        int? unkId = null;
        if (OptionalString(model, "unk_token", source, "model.unk_token") is { } unk)
        {
            unkId = vocab.TryGetValue(unk, out var u) ? u : throw Error(source, "model.unk_token", $"'{unk}' is not in model.vocab");
        }

        var added = ReadAddedTokens(root, source);
        var (normalizer, normalizerJson) = ReadNormalizer(root, source);
        var (preTokenizer, addPrefixSpace, preTokenizerJson) = ReadPreTokenizer(root, source);
        var vocabAndAdded = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var token in added)
        {
            vocabAndAdded[token.Content] = token.Id;
        }

        var (prefix, suffix, postJson) = ReadPostProcessor(root, source, vocabAndAdded);
        var decoderJson = ReadDecoder(root, source);
        var bpe = new BpeModel(vocab, merges, ignoreMerges, unkId, source);
        var pipeline = new TokenizerPipeline(normalizer, preTokenizer, addPrefixSpace, prefix, suffix, true, normalizerJson, preTokenizerJson, postJson, decoderJson);
        var specials = SpecialTokenResolver.Resolve(vocabAndAdded, config, unkId is null ? null : OptionalString(model, "unk_token", source, "model.unk_token"));
        return new ByteLevelBpeTokenizer(bpe, pipeline, added, specials, source);
    }

    private static (string, string) ParseMerge(JsonElement merge, string source, int index)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            var text = merge.GetString()!;
            var parts = text.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw Error(source, $"model.merges[{index}]", $"\"{text}\" must be two tokens separated by one space");
            }

            return (parts[0], parts[1]);
        }

        if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }

        throw Error(source, $"model.merges[{index}]", "must be a string \"a b\" or an array [\"a\", \"b\"]");
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Error(source, "added_tokens", "must be an array");
        }

        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var field = $"added_tokens[{i++}]";
            var idElement = Required(item, "id", source, field + ".id");
            if (idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt32(out var id) || id < 0)
            {
                throw Error(source, field + ".id", "must be a non-negative integer");
            }

            var content = OptionalString(item, "content", source, field + ".content") ?? throw Error(source, field + ".content", "is missing");
            result.Add(new AddedToken(
                id,
                content,
                OptionalBool(item, "special", source, field + ".special") ?? false,
                OptionalBool(item, "single_word", source, field + ".single_word") ?? false,
                OptionalBool(item, "lstrip", source, field + ".lstrip") ?? false,
                OptionalBool(item, "rstrip", source, field + ".rstrip") ?? false,
                OptionalBool(item, "normalized", source, field + ".normalized") ?? false));
        }

        return result;
    }

    private static (TextNormalizer?, string) ReadNormalizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("normalizer", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return (null, "null");
        }

        var steps = new List<NormalizationStep>();
        CollectNormalizer(element, "normalizer", source, steps);
        return (steps.Count == 0 ? null : new TextNormalizer(steps), element.GetRawText());
    }

    private static void CollectNormalizer(JsonElement element, string field, string source, List<NormalizationStep> steps)
    {
        var type = TypeOf(element, field, source);
        switch (type)
        {
            case "NFC":
                steps.Add(NormalizationStep.Nfc);
                break;
            case "Lowercase":
                steps.Add(NormalizationStep.Lowercase);
                break;
            case "Sequence":
                var items = RequiredArray(element, "normalizers", source, field + ".normalizers");
                var i = 0;
                foreach (var item in items.EnumerateArray())
                {
                    CollectNormalizer(item, $"{field}.normalizers[{i++}]", source, steps);
                }

                break;
            default:
                throw Error(source, field + ".type", $"'{type}' is not supported (supported: NFC, Lowercase, Sequence)");
        }
    }

    private static (IPreTokenizer, bool, string) ReadPreTokenizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            throw Error(source, "pre_tokenizer", "is missing: only byte-level BPE (a ByteLevel pre-tokenizer) is supported");
        }

        var state = new PreTokenizerState();
        var stage = BuildPreTokenizer(element, "pre_tokenizer", source, state);
        if (!state.SawByteLevel)
        {
            throw Error(source, "pre_tokenizer", "has no ByteLevel stage: only byte-level BPE is supported");
        }

        return (stage, state.AddPrefixSpace, element.GetRawText());
    }

    private sealed class PreTokenizerState
    {
        public bool SawByteLevel { get; set; }

        public bool AddPrefixSpace { get; set; }
    }

    private static IPreTokenizer BuildPreTokenizer(JsonElement element, string field, string source, PreTokenizerState state)
    {
        var type = TypeOf(element, field, source);
        switch (type)
        {
            case "Sequence":
                var items = RequiredArray(element, "pretokenizers", source, field + ".pretokenizers");
                var stages = new List<IPreTokenizer>();
                var i = 0;
                foreach (var item in items.EnumerateArray())
                {
                    var stage = BuildPreTokenizer(item, $"{field}.pretokenizers[{i++}]", source, state);
                    if (stage is not WholeTextPreTokenizer)
                    {
                        stages.Add(stage);
                    }
                }

                return stages.Count == 0 ? WholeTextPreTokenizer.Instance : new SequencePreTokenizer(stages);
            case "ByteLevel":
                state.SawByteLevel = true;
                state.AddPrefixSpace |= OptionalBool(element, "add_prefix_space", source, field + ".add_prefix_space") ?? false;
                return OptionalBool(element, "use_regex", source, field + ".use_regex") ?? true
                    ? new SplitPreTokenizer(GptSplitScanner.Gpt2, SplitBehavior.Isolated, false)
                    : WholeTextPreTokenizer.Instance;
            case "Split":
                var patternElement = Required(element, "pattern", source, field + ".pattern");
                if (patternElement.ValueKind != JsonValueKind.Object)
                {
                    throw Error(source, field + ".pattern", "must be {\"Regex\": ...} or {\"String\": ...}");
                }

                ISplitPattern pattern;
                if (patternElement.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                {
                    var text = regex.GetString()!;
                    try
                    {
                        pattern = (ISplitPattern?)GptSplitScanner.TryCreate(text) ?? new RegexSplitPattern(text);
                    }
                    catch (ArgumentException e)
                    {
                        throw new TokenizerFormatException($"{source}: {field}.pattern.Regex: .NET cannot compile \"{text}\": {e.Message}", e);
                    }
                }
                else if (patternElement.TryGetProperty("String", out var literal) && literal.ValueKind == JsonValueKind.String)
                {
                    pattern = RegexSplitPattern.Literal(literal.GetString()!);
                }
                else
                {
                    throw Error(source, field + ".pattern", "must be {\"Regex\": ...} or {\"String\": ...}");
                }

                var behaviorText = OptionalString(element, "behavior", source, field + ".behavior") ?? "Isolated";
                if (!Enum.TryParse<SplitBehavior>(behaviorText, ignoreCase: false, out var behavior) || !Enum.IsDefined(behavior))
                {
                    throw Error(source, field + ".behavior", $"'{behaviorText}' is not one of Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous");
                }

                return new SplitPreTokenizer(pattern, behavior, OptionalBool(element, "invert", source, field + ".invert") ?? false);
            case "Digits":
                var individual = OptionalBool(element, "individual_digits", source, field + ".individual_digits") ?? false;
                return new SplitPreTokenizer(new AsciiDigitsPattern(individual), individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false);
            default:
                throw Error(source, field + ".type", $"'{type}' is not supported (supported: Split, ByteLevel, Digits, Sequence)");
        }
    }

    private static (int[], int[], string) ReadPostProcessor(JsonElement root, string source, Dictionary<string, int> vocab)
    {
        if (!root.TryGetProperty("post_processor", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return ([], [], "null");
        }

        var prefix = new List<int>();
        var suffix = new List<int>();
        CollectPostProcessor(element, "post_processor", source, vocab, prefix, suffix);
        return (prefix.ToArray(), suffix.ToArray(), element.GetRawText());
    }

    private static void CollectPostProcessor(JsonElement element, string field, string source, Dictionary<string, int> vocab, List<int> prefix, List<int> suffix)
    {
        var type = TypeOf(element, field, source);
        switch (type)
        {
            case "ByteLevel":
                return;
            case "Sequence":
                var i = 0;
                foreach (var item in RequiredArray(element, "processors", source, field + ".processors").EnumerateArray())
                {
                    CollectPostProcessor(item, $"{field}.processors[{i++}]", source, vocab, prefix, suffix);
                }

                return;
            case "RobertaProcessing":
            case "BertProcessing":
                prefix.Add(PairId(element, "cls", field, source));
                suffix.Add(PairId(element, "sep", field, source));
                return;
            case "TemplateProcessing":
                var single = RequiredArray(element, "single", source, field + ".single");
                var seenSequence = false;
                var j = 0;
                foreach (var piece in single.EnumerateArray())
                {
                    var pieceField = $"{field}.single[{j++}]";
                    if (piece.TryGetProperty("Sequence", out _))
                    {
                        seenSequence = true;
                        continue;
                    }

                    if (!piece.TryGetProperty("SpecialToken", out var special))
                    {
                        throw Error(source, pieceField, "must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
                    }

                    var name = OptionalString(special, "id", source, pieceField + ".SpecialToken.id") ?? throw Error(source, pieceField + ".SpecialToken.id", "is missing");
                    var ids = TemplateSpecialIds(element, name, field, source, vocab);
                    (seenSequence ? suffix : prefix).AddRange(ids);
                }

                return;
            default:
                throw Error(source, field + ".type", $"'{type}' is not supported (supported: ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing, Sequence)");
        }
    }

    private static int[] TemplateSpecialIds(JsonElement processor, string name, string field, string source, Dictionary<string, int> vocab)
    {
        if (processor.TryGetProperty("special_tokens", out var map) && map.ValueKind == JsonValueKind.Object
            && map.TryGetProperty(name, out var entry) && entry.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array)
        {
            return ids.EnumerateArray()
                .Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out var id) ? id : throw Error(source, $"{field}.special_tokens.{name}.ids", "must be integers"))
                .ToArray();
        }

        return vocab.TryGetValue(name, out var id) ? [id] : throw Error(source, field + ".special_tokens", $"has no ids for '{name}'");
    }

    private static int PairId(JsonElement element, string name, string field, string source)
    {
        var pair = Required(element, name, source, $"{field}.{name}");
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[1].ValueKind != JsonValueKind.Number || !pair[1].TryGetInt32(out var id))
        {
            throw Error(source, $"{field}.{name}", "must be [token, id]");
        }

        return id;
    }

    private static string ReadDecoder(JsonElement root, string source)
    {
        if (!root.TryGetProperty("decoder", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return "null";
        }

        CheckDecoder(element, "decoder", source);
        return element.GetRawText();
    }

    private static void CheckDecoder(JsonElement element, string field, string source)
    {
        var type = TypeOf(element, field, source);
        switch (type)
        {
            case "ByteLevel":
                return;
            case "Sequence":
                var i = 0;
                foreach (var item in RequiredArray(element, "decoders", source, field + ".decoders").EnumerateArray())
                {
                    CheckDecoder(item, $"{field}.decoders[{i++}]", source);
                }

                return;
            default:
                throw Error(source, field + ".type", $"'{type}' is not supported (supported: ByteLevel, Sequence)");
        }
    }

    private static string TypeOf(JsonElement element, string field, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(source, field, "must be an object");
        }

        return OptionalString(element, "type", source, field + ".type") ?? throw Error(source, field + ".type", "is missing");
    }

    private static JsonElement Required(JsonElement element, string name, string source, string field)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Error(source, field, "is missing");
        }

        return value;
    }

    private static JsonElement RequiredArray(JsonElement element, string name, string source, string field)
    {
        var value = Required(element, name, source, field);
        return value.ValueKind == JsonValueKind.Array ? value : throw Error(source, field, "must be an array");
    }

    private static string? OptionalString(JsonElement element, string name, string source, string field)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error(source, field, "must be a string");
    }

    private static bool? OptionalBool(JsonElement element, string name, string source, string field)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(source, field, "must be true or false"),
        };
    }

    private static TokenizerFormatException Error(string source, string field, string problem) => new($"{source}: field '{field}' {problem}");
}
