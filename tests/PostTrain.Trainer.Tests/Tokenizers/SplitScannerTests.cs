using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>The hand-written scanner must split exactly like the regex it stands for: checked against .NET's Regex on BMP text (where UTF-16 and code points agree).</summary>
public sealed class SplitScannerTests
{
    [Theory]
    [InlineData(GptSplitScanner.Gpt2Pattern)]
    [InlineData(GptSplitScanner.Qwen2Pattern)]
    [InlineData(GptSplitScanner.Cl100kPattern)]
    public void Scanner_matches_dotnet_regex_on_bmp_text(string pattern)
    {
        var scanner = GptSplitScanner.TryCreate(pattern).ShouldNotBeNull();
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(UnicodeStrings.Bmp, text =>
        {
            var expected = regex.Matches(text).Select(m => text.Substring(m.Index, m.Length)).ToList();
            return Split(scanner, text).SequenceEqual(expected);
        }));
    }

    [Theory]
    [InlineData("I'm here, it's 12345 o'clock!", new[] { "I", "'m", " here", ",", " it", "'s", " ", "1", "2", "3", "4", "5", " o", "'clock", "!" })]
    [InlineData("a  \n\n b", new[] { "a", "  \n\n", " b" })]
    [InlineData("x\U0001D400\U0001D401 \U0001F600y", new[] { "x\U0001D400\U0001D401", " \U0001F600", "y" })]
    [InlineData("\U0001F600abc", new[] { "\U0001F600abc" })]
    public void Qwen_scanner_splits_on_code_points(string text, string[] expected)
    {
        var scanner = GptSplitScanner.TryCreate(GptSplitScanner.Qwen2Pattern).ShouldNotBeNull();
        Split(scanner, text).ShouldBe(expected);
    }

    [Fact]
    public void Cl100k_scanner_groups_three_digits()
    {
        var scanner = GptSplitScanner.TryCreate(GptSplitScanner.Cl100kPattern).ShouldNotBeNull();
        Split(scanner, "1234567").ShouldBe(["123", "456", "7"]);
    }

    [Fact]
    public void Unknown_patterns_get_no_scanner()
    {
        GptSplitScanner.TryCreate(@"\w+").ShouldBeNull();
    }

    private static List<string> Split(ISplitPattern pattern, string text)
    {
        var matches = new List<TextSpan>();
        pattern.FindMatches(text, new TextSpan(0, text.Length), matches);
        return matches.Select(m => text.Substring(m.Start, m.Length)).ToList();
    }
}
