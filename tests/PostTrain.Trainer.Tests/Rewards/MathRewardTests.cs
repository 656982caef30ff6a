using FsCheck;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

public class MathRewardTests
{
    private static RewardInput Input(string completion, string? reference, string? solution = null) =>
        new("q", completion, new Example { Id = "m", Prompt = "q", ReferenceAnswer = reference, Completion = solution });

    [Theory]
    [InlineData("1,000", "1000", true)]
    [InlineData("3.0", "3", true)]
    [InlineData("$5.", "5", true)]
    [InlineData("-7", "-7", true)]
    [InlineData("\u22127", "-7", true)]
    [InlineData("-$3", "-3", true)]
    [InlineData("$-3", "-3", true)]
    [InlineData("1/2", "0.5", true)]
    [InlineData("2/4", "1/2", true)]
    [InlineData("0.50", ".5", true)]
    [InlineData("12,345,678", "12345678", true)]
    [InlineData("50%", "50", true)]
    [InlineData("1,00", "100", false)]
    [InlineData("7", "-7", false)]
    [InlineData("3.01", "3", false)]
    [InlineData("abc", "3", false)]
    [InlineData("1/0", "1", false)]
    public void Numeric_equivalence(string a, string b, bool equal)
    {
        NumericAnswer.AreEquivalent(a, b).ShouldBe(equal);
    }

    [Fact]
    public void Any_integer_in_any_common_spelling_equals_itself()
    {
        FsCheck.Fluent.Prop.ForAll<long>(n =>
        {
            var plain = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var grouped = n.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
            var dollars = (n < 0 ? "-$" : "$") + Math.Abs((decimal)n).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);
            return NumericAnswer.AreEquivalent(grouped, plain)
                && NumericAnswer.AreEquivalent(plain + ".00", plain)
                && NumericAnswer.AreEquivalent(dollars, plain)
                && NumericAnswer.AreEquivalent(plain + ".", plain)
                && (n == long.MaxValue || !NumericAnswer.AreEquivalent(plain, (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("3 + 5 = 8\n8 - 2 = 6\n#### 6", "6")]
    [InlineData("#### $1,000.", "$1,000")]
    [InlineData("#### 4\nmore text #### -12.5 apples", "-12.5")]
    [InlineData("####    3/4", "3/4")]
    [InlineData("The answer is 6", null)]
    [InlineData("#### six", null)]
    public void Strict_extraction_takes_the_number_after_the_last_hashes(string text, string? expected)
    {
        AnswerExtraction.Strict(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("so she has 1,234.5 left.", "1,234.5")]
    [InlineData("3 + 5 = 8, then 8 - 2 = 6", "6")]
    [InlineData("it costs $12 and -4 is", "-4")]
    [InlineData("no digits", null)]
    public void Flexible_extraction_takes_the_last_number(string text, string? expected)
    {
        AnswerExtraction.Flexible(text).ShouldBe(expected);
    }

    [Fact]
    public async Task Scores_by_mode_against_hand_computed_values()
    {
        var strict = new MathReward(AnswerExtractionMode.Strict);
        var flexible = new MathReward(AnswerExtractionMode.Flexible);
        var both = new MathReward(AnswerExtractionMode.StrictThenFlexible);

        (await strict.ScoreAsync(Input("3 + 5 = 8\n#### 8", "8"), default)).Score.ShouldBe(1);
        (await strict.ScoreAsync(Input("the answer is 8", "8"), default)).ShouldSatisfyAllConditions(
            r => r.Score.ShouldBe(0),
            r => r.Details.ShouldBe("no answer found (Strict); expected 8"));
        (await flexible.ScoreAsync(Input("the answer is 8", "8"), default)).Score.ShouldBe(1);
        (await flexible.ScoreAsync(Input("#### 8 because 9", "8"), default)).Score.ShouldBe(0);
        (await both.ScoreAsync(Input("#### 8 because 9", "8"), default)).Score.ShouldBe(1);
        (await both.ScoreAsync(Input("I get 1,000", "1000"), default)).Score.ShouldBe(1);
        (await strict.ScoreAsync(Input("#### 7", null, solution: "3 + 4 = 7\n#### 7"), default)).Score.ShouldBe(1);
        (await strict.ScoreAsync(Input("#### 7", "8"), default)).Details.ShouldBe("answer '7', expected '8'");
    }

    [Fact]
    public async Task An_item_without_a_numeric_reference_is_an_error()
    {
        var reward = new MathReward();
        await Should.ThrowAsync<InvalidOperationException>(async () => await reward.ScoreAsync(Input("#### 1", null), default));
        await Should.ThrowAsync<InvalidOperationException>(async () => await reward.ScoreAsync(Input("#### 1", "many"), default));
    }
}
