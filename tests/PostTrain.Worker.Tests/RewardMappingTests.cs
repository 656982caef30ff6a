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
    public void Every_field_of_every_type_reaches_the_trainer_with_its_defaults_applied()
    {
        var parts = RewardMapping.ToTrainer(
        [
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Math, Weight = 0.5 },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Math, Mode = MathMode.Strict, Name = "strict_math" },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Code, MemoryMb = 64, AllowUnisolatedCode = true },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Code, TimeoutSeconds = 3 },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Regex, Pattern = "^a$" },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Http, Url = "http://v/score", Retries = 4, TimeoutSeconds = 7 },
            new PostTrain.Api.Rlvr.RewardSpec { Type = RewardType.Http, Url = "http://v/score" },
        ]).Parts!;

        parts.Select(p => (p.Kind, p.Name, p.Weight)).ShouldBe(
        [
            ("math", "math", 0.5), ("math", "strict_math", 1.0), ("code", "code", 1.0), ("code", "code", 1.0),
            ("regex", "regex", 1.0), ("http", "http", 1.0), ("http", "http", 1.0),
        ]);
        parts[0].Extraction.ShouldBe(AnswerExtractionMode.StrictThenFlexible);
        parts[1].Extraction.ShouldBe(AnswerExtractionMode.Strict);
        (parts[2].MemoryBytes, parts[2].AllowUnisolatedCode, parts[2].Timeout).ShouldBe((64L << 20, true, TimeSpan.FromSeconds(10)));
        (parts[3].MemoryBytes, parts[3].AllowUnisolatedCode, parts[3].Timeout).ShouldBe((512L << 20, false, TimeSpan.FromSeconds(3)));
        parts[4].Pattern.ShouldBe("^a$");
        (parts[5].Url, parts[5].MaxAttempts, parts[5].Timeout).ShouldBe(("http://v/score", 5, TimeSpan.FromSeconds(7)));
        (parts[6].MaxAttempts, parts[6].Timeout).ShouldBe((3, TimeSpan.FromSeconds(30)));
        parts.Where(p => p.Kind != "code").ShouldAllBe(p => p.MemoryBytes == null);
        parts.Where(p => p.Kind != "http").ShouldAllBe(p => p.MaxAttempts == null && p.Url == null);
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
