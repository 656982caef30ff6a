using PostTrain.Trainer.Tokenizers;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class SerializationTests
{
    [Fact]
    public void Qwen3_written_back_as_tokenizer_json_encodes_every_vector_the_same()
    {
        using var dir = new TempDirectory("qwen-tok-");
        var path = Path.Combine(dir.Path, "tokenizer.json");
        TokenizerTestData.Qwen3.Save(path);
        var loaded = TokenizerLoader.FromFile(path);
        loaded.VocabSize.ShouldBe(TokenizerTestData.Qwen3.VocabSize);
        foreach (var v in TokenizerTestData.Vectors)
        {
            loaded.Encode(v.Text).ShouldBe(v.Qwen3, $"line {v.Line}");
        }
    }

    [Fact]
    public void Gpt2_files_written_as_tokenizer_json_encode_ordinary_text_the_same()
    {
        using var dir = new TempDirectory("gpt2-tok-");
        var path = Path.Combine(dir.Path, "tokenizer.json");
        TokenizerTestData.Gpt2.Save(path);
        var loaded = TokenizerLoader.FromFile(path);
        foreach (var v in TokenizerTestData.Vectors.Where(v => !v.Text.Contains("<|endoftext|>", StringComparison.Ordinal)))
        {
            loaded.Encode(v.Text).ShouldBe(v.Gpt2, $"line {v.Line}");
        }

        // As in Hugging Face's gpt2 tokenizer.json, the written file lists <|endoftext|> as an added token, so it is now one id.
        loaded.Encode("a<|endoftext|>").ShouldBe([64, 50256]);
    }
}
