using PostTrain.Api.Rlvr;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

public class RewardMappingTests
{
    private static RewardInput Input(string completion) =>
        new("q", completion, new Example { Id = "x", Prompt = "q", ReferenceAnswer = "6" });

    [Fact]
    public void One_plain_reward_maps_to_itself_and_a_gate_makes_a_composite()
    {
        RewardMapping.ToTrainer([new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Math }]).Kind.ShouldBe("math");

        var gated = RewardMapping.ToTrainer(
        [
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Math, Mode = MathMode.Strict },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Equations, Gate = true, Grounded = true },
        ]);
        gated.Kind.ShouldBe("composite");
        gated.Parts!.Select(p => (p.Kind, p.Gate, p.Grounded)).ShouldBe([("math", false, false), ("equations", true, true)]);
    }

    [Fact]
    public async Task The_built_verifier_scores_zero_when_the_gate_is_closed()
    {
        using var http = new HttpClient();
        var warnings = new List<string>();
        var reward = RewardMapping.Create(
            [
                new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Math, Mode = MathMode.Strict },
                new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Equations, Gate = true },
            ],
            http,
            warnings.Add);
        (await reward.ScoreAsync(Input("3 + 3 = 6\n#### 6"), default)).Score.ShouldBe(1);
        (await reward.ScoreAsync(Input("3 + 4 = 6\n#### 6"), default)).Score.ShouldBe(0);
        warnings.ShouldBeEmpty();
    }
}
