using System.Text.Json;
using PostTrain.Trainer.Tokenizers.Unicode;

namespace PostTrain.Trainer.Tests.Tokenizers;

public sealed class NfcNormalizerTests
{
    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("\u212B", "\u00C5")] // Angstrom sign is a singleton decomposition
    [InlineData("a\u0328\u0301", "\u0105\u0301")] // a + ogonek composes; no precomposed letter adds the acute, so it stays
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul L V T
    [InlineData("\u0958", "\u0915\u093C")] // composition exclusion stays decomposed
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("\u0301leading mark", "\u0301leading mark")]
    public void Normalizes_known_cases(string input, string expected)
    {
        NfcNormalizer.Normalize(input).ShouldBe(expected);
    }

    [Fact]
    public void Matches_python_unicodedata_on_generated_cases()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Tokenizers", "nfc_cases.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        cases.Count.ShouldBe(400);
        foreach (var c in cases)
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("nfc").GetString()!;
            NfcNormalizer.Normalize(text).ShouldBe(expected, JsonSerializer.Serialize(text));
        }
    }

    [Fact]
    public void Quick_check_never_claims_a_string_stable_that_normalisation_changes()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Tokenizers", "nfc_cases.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            if (NfcNormalizer.IsQuickStable(text))
            {
                c.GetProperty("nfc").GetString().ShouldBe(text);
            }
        }
    }
}
