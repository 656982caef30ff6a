using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>Bad tokenizer files raise <see cref="TokenizerFormatException"/> naming the file and the field.</summary>
public sealed class MalformedTokenizerTests : IDisposable
{
    private readonly TempDirectory _dir = new("bad-tok-");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("model", "model")]
    [InlineData("model.vocab", "model.vocab")]
    [InlineData("model.merges", "model.merges")]
    [InlineData("pre_tokenizer", "pre_tokenizer")]
    public void Missing_fields_are_named(string remove, string expectedField)
    {
        var json = Valid();
        var parts = remove.Split('.');
        (parts.Length == 1 ? json : json[parts[0]]!.AsObject()).Remove(parts[^1]);
        var e = Load(json);
        e.Message.ShouldContain($"'{expectedField}'");
        e.Message.ShouldContain("is missing");
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void Unsupported_model_types_are_rejected(string type)
    {
        var json = Valid();
        json["model"]!["type"] = type;
        var e = Load(json);
        e.Message.ShouldContain("'model.type'");
        e.Message.ShouldContain(type);
    }

    [Fact]
    public void Unknown_pre_tokenizer_type_is_named_with_its_path()
    {
        var json = Valid();
        json["pre_tokenizer"]!["pretokenizers"]![0] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" };
        var e = Load(json);
        e.Message.ShouldContain("'pre_tokenizer.pretokenizers[0].type'");
        e.Message.ShouldContain("Metaspace");
    }

    [Fact]
    public void Unknown_normalizer_and_decoder_are_named()
    {
        var json = Valid();
        json["normalizer"] = new JsonObject { ["type"] = "NFKC" };
        Load(json).Message.ShouldContain("'normalizer.type' 'NFKC'");
        json = Valid();
        json["decoder"] = new JsonObject { ["type"] = "WordPiece" };
        Load(json).Message.ShouldContain("'decoder.type' 'WordPiece'");
    }

    [Fact]
    public void A_merge_with_an_unknown_token_is_named_by_index()
    {
        var json = Valid();
        json["model"]!["merges"]!.AsArray().Insert(0, new JsonArray("no-such", "token"));
        Load(json).Message.ShouldContain("model.merges[0]");
    }

    [Fact]
    public void Byte_fallback_and_non_byte_level_tokenizers_are_rejected()
    {
        var json = Valid();
        json["model"]!["byte_fallback"] = true;
        Load(json).Message.ShouldContain("'model.byte_fallback'");
        json = Valid();
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Digits", ["individual_digits"] = true };
        Load(json).Message.ShouldContain("no ByteLevel stage");
    }

    [Fact]
    public void Wrong_json_kinds_are_named()
    {
        var json = Valid();
        json["added_tokens"]![0]!["id"] = "seven";
        Load(json).Message.ShouldContain("'added_tokens[0].id'");
        json = Valid();
        json["pre_tokenizer"]!["pretokenizers"] = "Split";
        Load(json).Message.ShouldContain("'pre_tokenizer.pretokenizers' must be an array");
        json = Valid();
        json["model"]!["vocab"]!["a"] = "one";
        Load(json).Message.ShouldContain("model.vocab[\"a\"]");
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        var path = Path.Combine(_dir.Path, "tokenizer.json");
        File.WriteAllText(path, "{ \"model\": ");
        var e = Should.Throw<TokenizerFormatException>(() => TokenizerLoader.FromFile(path));
        e.Message.ShouldContain(path);
        e.Message.ShouldContain("not valid JSON");
    }

    [Fact]
    public void A_folder_without_tokenizer_files_is_reported()
    {
        Should.Throw<FileNotFoundException>(() => TokenizerLoader.FromFile(_dir.Path)).Message.ShouldContain("tokenizer.json");
    }

    [Fact]
    public void A_bad_vocab_bpe_line_is_named_by_line_number()
    {
        File.Copy(Path.Combine(TokenizerTestData.Folder, "gpt2", "encoder.json"), Path.Combine(_dir.Path, "encoder.json"));
        File.WriteAllText(Path.Combine(_dir.Path, "vocab.bpe"), "#version: 0.2\nĠ t\nthree parts here\n");
        var e = Should.Throw<TokenizerFormatException>(() => TokenizerLoader.FromFile(_dir.Path));
        e.Message.ShouldContain("vocab.bpe:3");
    }

    [Fact]
    public void Split_behaviors_other_than_isolated_are_supported()
    {
        var json = Valid();
        json["pre_tokenizer"]!["pretokenizers"]![0] = new JsonObject
        {
            ["type"] = "Split",
            ["pattern"] = new JsonObject { ["String"] = " " },
            ["behavior"] = "MergedWithNext",
            ["invert"] = false,
        };
        var path = Path.Combine(_dir.Path, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var tokenizer = TokenizerLoader.FromFile(path);
        tokenizer.Decode(tokenizer.Encode("how many apples")).ShouldBe("how many apples");
        tokenizer.Encode("how many").ShouldBe(BuiltinTokenizers.Arithmetic.Encode("how").Concat(BuiltinTokenizers.Arithmetic.Encode(" many")).ToArray());
    }

    private static JsonObject Valid() => JsonNode.Parse(BuiltinTokenizers.Arithmetic.ToJson())!.AsObject();

    private TokenizerFormatException Load(JsonObject json)
    {
        var path = Path.Combine(_dir.Path, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var e = Should.Throw<TokenizerFormatException>(() => TokenizerLoader.FromFile(path));
        e.Message.ShouldContain(path);
        return e;
    }
}
