using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>tokenizer.json features beyond what Qwen3 and GPT-2 use, on variants of the built-in tokenizer's JSON.</summary>
public sealed class TokenizerJsonFeatureTests : IDisposable
{
    private readonly TempDirectory _dir = new("tok-features-");

    private static ByteLevelBpeTokenizer Base => BuiltinTokenizers.Arithmetic;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Template_processing_adds_bos_only_when_asked()
    {
        var json = BaseJson();
        var eot = Base.TokenToId("<|endoftext|>")!.Value;
        json["post_processor"] = JsonNode.Parse("""
            {"type":"TemplateProcessing",
             "single":[{"SpecialToken":{"id":"<|endoftext|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"<|im_end|>","type_id":0}}],
             "pair":[],
             "special_tokens":{"<|endoftext|>":{"id":"<|endoftext|>","ids":[EOT_ID],"tokens":["<|endoftext|>"]}}}
            """.Replace("EOT_ID", eot.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var tokenizer = Load(json);
        var plain = tokenizer.Encode("2+2");
        tokenizer.Encode("2+2", addSpecialTokens: true).ShouldBe([eot, .. plain, Base.TokenToId("<|im_end|>")!.Value]);
    }

    [Fact]
    public void Ignore_merges_takes_whole_pieces_from_the_vocabulary()
    {
        var json = BaseJson();
        json["model"]!["vocab"]!["Ġzqx"] = Base.VocabSize + 10;
        Load(json).Encode(" zqx").ShouldNotContain(Base.VocabSize + 10);
        json["model"]!["ignore_merges"] = true;
        var tokenizer = Load(json);
        tokenizer.Encode(" zqx").ShouldBe([Base.VocabSize + 10]);
        tokenizer.Decode([Base.VocabSize + 10]).ShouldBe(" zqx");
    }

    [Fact]
    public void Lowercase_and_nfc_normalizers_apply_in_sequence()
    {
        var json = BaseJson();
        json["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Lowercase"}]}""");
        var tokenizer = Load(json);
        tokenizer.Encode("HOW Many").ShouldBe(Base.Encode("how many"));
        tokenizer.Encode("E\u0301").ShouldBe(Base.Encode("\u00e9"));
    }

    [Fact]
    public void Digits_and_byte_level_with_regex_split_like_hugging_face()
    {
        var json = BaseJson();
        json["pre_tokenizer"] = JsonNode.Parse("""
            {"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":false},{"type":"ByteLevel","add_prefix_space":true,"use_regex":true}]}
            """);
        var tokenizer = Load(json);

        // add_prefix_space puts a space before the text, and digit runs stay together until BPE.
        var ids = tokenizer.Encode("apples123");
        tokenizer.Decode(ids).ShouldBe(" apples123");
        ids[0].ShouldBe(Base.TokenToId("Ġapples")!.Value);
    }

    [Fact]
    public void Added_tokens_honour_lstrip_rstrip_and_single_word()
    {
        var json = BaseJson();
        var added = json["added_tokens"]!.AsArray();
        added.Add(new JsonObject { ["id"] = Base.VocabSize, ["content"] = "[X]", ["special"] = true, ["lstrip"] = true, ["rstrip"] = true });
        added.Add(new JsonObject { ["id"] = Base.VocabSize + 1, ["content"] = "cat", ["special"] = false, ["single_word"] = true });
        var tokenizer = Load(json);
        tokenizer.Encode("a  [X]  b").ShouldBe([.. Base.Encode("a"), Base.VocabSize, .. Base.Encode("b")]);
        tokenizer.Encode("cat").ShouldBe([Base.VocabSize + 1]);
        tokenizer.Encode("cats").ShouldNotContain(Base.VocabSize + 1);
        tokenizer.Decode(tokenizer.Encode("a [X] cat"), skipSpecialTokens: true).ShouldBe("acat");
    }

    [Fact]
    public void Unknown_split_pattern_runs_on_dotnet_regex()
    {
        var json = BaseJson();
        json["pre_tokenizer"]!["pretokenizers"]![0] = JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"\\d+|[a-z]+"},"behavior":"Removed","invert":true}""");
        var tokenizer = Load(json);

        // invert + Removed keeps the matches and drops everything else (here the spaces and punctuation).
        tokenizer.Decode(tokenizer.Encode("12 apples, 3 pears!")).ShouldBe("12apples3pears");
    }

    private static JsonObject BaseJson() => JsonNode.Parse(Base.ToJson())!.AsObject();

    private ByteLevelBpeTokenizer Load(JsonObject json)
    {
        var path = Path.Combine(_dir.Path, $"t{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        return TokenizerLoader.FromFile(path);
    }
}
