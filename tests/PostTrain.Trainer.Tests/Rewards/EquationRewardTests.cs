using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

public class EquationRewardTests
{
    private static readonly Example Item = new() { Id = "e", Prompt = "q", ReferenceAnswer = "6" };

    [Theory]
    [InlineData("3 + 5 = 8\n8 - 2 = 6\n#### 6", 2, 2)]
    [InlineData("3 + 5 = 9\n9 - 2 = 7\n#### 7", 1, 2)] // the second line is right given its own operands
    [InlineData("7 * 3 = 21\n21 / 4 = 5.25\n10 x 2 = 20", 3, 3)]
    [InlineData("She sold 48/2 = <<48/2=24>>24 clips in May. 48+24 = <<48+24=72>>72 in all.", 2, 2)]
    [InlineData("I think it is 6\n#### 6", 0, 0)]
    [InlineData("The total is 3 + 5 = 8 apples", 0, 0)] // prose around an equation is not a checked line
    [InlineData("5 / 0 = 0", 0, 1)]
    [InlineData("  12 - 20 = -8  ", 1, 1)]
    public void Counts_right_equations(string completion, int right, int total) =>
        EquationReward.Check(completion).ShouldBe((right, total));

    [Theory]
    [InlineData("3 + 5 = 8\n8 - 2 = 6\n#### 6", 3, 3)] // both equations follow from the prompt, the answer from the last result
    [InlineData("3 + 5 = 8\n7 - 1 = 6\n#### 6", 2, 3)] // 7 and 1 are neither in the prompt nor earlier results
    [InlineData("3 + 4 = 7\n7 - 2 = 5\n#### 5", 2, 3)] // true, but 4 is not in the prompt
    [InlineData("3 + 5 = 8\n8 - 2 = 6\n#### 7", 2, 3)] // the answer does not follow from the work
    [InlineData("3 + 5 = 9\n9 - 2 = 7\n#### 7", 2, 3)] // wrong first result; the rest follows from it
    [InlineData("#### 6", 0, 1)] // an answer without work
    [InlineData("3 + 5 = 8\n8 - 2 = 6", 2, 2)] // no answer line: only the equations are checked
    public void Grounded_equations_need_operands_from_the_prompt_or_earlier_results(string completion, int right, int total) =>
        EquationReward.CheckGrounded("Tom has 3 apples. He buys 5 more. Then he gives away 2. How many apples does Tom have now?", completion).ShouldBe((right, total));

    [Fact]
    public async Task The_factory_builds_a_grounded_gate()
    {
        var reward = new RewardFactory().Create(new RewardSpec
        {
            Kind = "composite",
            Parts = [new RewardSpec { Kind = "math" }, new RewardSpec { Kind = "equations", Gate = true, Grounded = true }],
        });
        const string question = "Tom has 3 apples. He buys 5 more. Then he gives away 2. How many apples does Tom have now?";
        (await reward.ScoreAsync(new RewardInput(question, "3 + 5 = 8\n8 - 2 = 6\n#### 6", Item), default)).Score.ShouldBe(1);
        (await reward.ScoreAsync(new RewardInput(question, "3 + 4 = 7\n7 - 1 = 6\n#### 6", Item), default)).Score.ShouldBe(0); // lucky: true lines, wrong operands
    }

    [Fact]
    public async Task Scores_the_fraction_of_right_equations_and_zero_without_any()
    {
        var reward = new EquationReward();
        (await reward.ScoreAsync(new RewardInput("q", "3 + 5 = 8\n8 - 2 = 7\n#### 7", Item), default)).Score.ShouldBe(0.5);
        (await reward.ScoreAsync(new RewardInput("q", "#### 6", Item), default)).Score.ShouldBe(0.0);
    }

    [Fact]
    public async Task The_factory_builds_it_and_a_weighted_composite_keeps_the_final_answer_first()
    {
        var spec = new RewardSpec
        {
            Kind = "composite",
            Parts = [new RewardSpec { Kind = "math", Weight = 1 }, new RewardSpec { Kind = "equations", Weight = 0.5 }],
        };
        var reward = new RewardFactory().Create(spec);
        (await reward.ScoreAsync(new RewardInput("q", "3 + 3 = 6\n#### 6", Item), default)).Score.ShouldBe(1.5);
        (await reward.ScoreAsync(new RewardInput("q", "3 + 4 = 7\n#### 7", Item), default)).Score.ShouldBe(0.5);
        (await reward.ScoreAsync(new RewardInput("q", "3 + 4 = 6\n#### 6", Item), default)).Score.ShouldBe(1.0);
    }
}
