using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;

namespace PostTrain.Trainer.Tests.Rewards;

public class RewardFactoryTests
{
    [Fact]
    public async Task Builds_a_composite_of_math_and_format_that_scores_as_specified()
    {
        var spec = new RewardSpec
        {
            Kind = "composite",
            Normalize = true,
            Parts =
            [
                new RewardSpec { Kind = "math", Weight = 3, Extraction = AnswerExtractionMode.Strict },
                new RewardSpec { Kind = "regex", Name = "format", Pattern = "^#### \\d+$", Multiline = true, Weight = 1 },
            ],
        };
        var reward = new RewardFactory().Create(spec);
        var example = new Example { Id = "e", Prompt = "q", ReferenceAnswer = "6" };

        (await reward.ScoreAsync(new RewardInput("q", "3 + 3 = 6\n#### 6", example), default)).Score.ShouldBe(1.0);
        (await reward.ScoreAsync(new RewardInput("q", "3 + 3 = 6\n#### 7", example), default)).Score.ShouldBe(0.25);
        (await reward.ScoreAsync(new RewardInput("q", "6", example), default)).Score.ShouldBe(0.0);
    }

    [Fact]
    public void Configuration_errors_name_the_reward()
    {
        var factory = new RewardFactory();
        Should.Throw<ArgumentException>(() => factory.Create(new RewardSpec { Kind = "vibes" }, "spec.reward")).Message
            .ShouldBe("spec.reward: unknown reward kind 'vibes'; expected math, code, regex, http or composite");
        Should.Throw<ArgumentException>(() => factory.Create(new RewardSpec { Kind = "composite", Parts = [new RewardSpec { Kind = "regex" }] }, "r")).Message
            .ShouldBe("r.parts[0]: a regex reward needs 'pattern'");
        Should.Throw<ArgumentException>(() => factory.Create(new RewardSpec { Kind = "http", Url = "not a url" })).Message.ShouldContain("absolute 'url'");
        Should.Throw<InvalidOperationException>(() => factory.Create(new RewardSpec { Kind = "http", Url = "http://127.0.0.1:1/v" }));
        factory.Create(new RewardSpec { Kind = "code", AllOrNothing = true, Timeout = TimeSpan.FromSeconds(2) }).ShouldBeOfType<CodeReward>()
            .Options.ShouldSatisfyAllConditions(o => o.AllOrNothing.ShouldBeTrue(), o => o.Sandbox.WallTimeout.ShouldBe(TimeSpan.FromSeconds(2)));
    }
}
