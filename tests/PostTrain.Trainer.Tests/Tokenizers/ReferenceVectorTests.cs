using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Unicode;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>Every line of vectors.jsonl, encoded by both tokenizers, must equal the reference ids exactly.</summary>
public sealed class ReferenceVectorTests
{
    [Fact]
    public void Vectors_file_has_all_222_lines()
    {
        TokenizerTestData.Vectors.Count.ShouldBe(222);
    }

    [Fact]
    public void Qwen3_encodes_every_vector_exactly()
    {
        var failures = Mismatches(TokenizerTestData.Qwen3, v => v.Qwen3);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void Gpt2_encodes_every_vector_exactly()
    {
        var failures = Mismatches(TokenizerTestData.Gpt2, v => v.Gpt2);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(10)));
    }

    [Fact]
    public void Gpt2_round_trips_every_vector()
    {
        foreach (var v in TokenizerTestData.Vectors)
        {
            TokenizerTestData.Gpt2.Decode(TokenizerTestData.Gpt2.Encode(v.Text)).ShouldBe(v.Text, $"line {v.Line}");
        }
    }

    [Fact]
    public void Qwen3_round_trips_every_vector_up_to_nfc()
    {
        // Qwen3's normalizer is NFC, so the tokens spell the NFC form of the text: decode(encode(x)) == NFC(x),
        // which is x itself for every line already in NFC (all but the lines with decomposed accents).
        var unchanged = 0;
        foreach (var v in TokenizerTestData.Vectors)
        {
            var decoded = TokenizerTestData.Qwen3.Decode(TokenizerTestData.Qwen3.Encode(v.Text));
            var nfc = NfcNormalizer.Normalize(v.Text);
            decoded.ShouldBe(nfc, $"line {v.Line}");
            if (nfc == v.Text)
            {
                decoded.ShouldBe(v.Text);
                unchanged++;
            }
        }

        unchanged.ShouldBeGreaterThan(200);
    }

    [Fact]
    public void Reference_ids_decode_to_the_text()
    {
        foreach (var v in TokenizerTestData.Vectors)
        {
            TokenizerTestData.Gpt2.Decode(v.Gpt2).ShouldBe(v.Text, $"line {v.Line}");
            TokenizerTestData.Qwen3.Decode(v.Qwen3).ShouldBe(NfcNormalizer.Normalize(v.Text), $"line {v.Line}");
        }
    }

    private static List<string> Mismatches(ITokenizer tokenizer, Func<TokenizerTestData.Vector, int[]> expected)
    {
        var failures = new List<string>();
        foreach (var v in TokenizerTestData.Vectors)
        {
            var actual = tokenizer.Encode(v.Text);
            if (!actual.SequenceEqual(expected(v)))
            {
                failures.Add($"line {v.Line} {System.Text.Json.JsonSerializer.Serialize(v.Text)}: expected [{string.Join(",", expected(v))}] got [{string.Join(",", actual)}]");
            }
        }

        return failures;
    }
}
