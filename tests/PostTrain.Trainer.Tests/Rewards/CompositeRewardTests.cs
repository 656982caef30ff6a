using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

public class CompositeRewardTests
{
    private static RewardInput Input(string completion, string reference = "6") =>
        new("q", completion, new Example { Id = "c", Prompt = "q", ReferenceAnswer = reference });

    private sealed class Fixed(string name, double score) : IRewardFunction
    {
        public string Name => name;

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken) => ValueTask.FromResult(new RewardResult(score));
    }

    private sealed class Throwing : IRewardFunction
    {
        public string Name => "boom";

        public ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken) => throw new InvalidOperationException("verifier down");
    }

    [Fact]
    public async Task Regex_format_reward_is_one_on_match_else_zero()
    {
        var reward = new RegexFormatReward(@"^#### -?\d+$", System.Text.RegularExpressions.RegexOptions.Multiline);
        (await reward.ScoreAsync(Input("3 + 3 = 6\n#### 6"), default)).Score.ShouldBe(1);
        (await reward.ScoreAsync(Input("the answer is 6"), default)).Score.ShouldBe(0);
        Should.Throw<ArgumentException>(() => new RegexFormatReward("(unclosed")).Message.ShouldContain("'(unclosed' is not a valid regular expression");
    }

    [Fact]
    public async Task A_gate_below_one_zeroes_the_composite_and_an_open_gate_adds_nothing()
    {
        var answer = new WeightedReward(new Fixed("answer", 1.0), 2.0);
        var open = await new WeightedCompositeReward([answer, new WeightedReward(new Fixed("steps", 1.0), 5.0, Gate: true)], normalize: true).ScoreAsync(Input("x"), default);
        open.Score.ShouldBe(1.0, 1e-12); // the gate's weight counts neither in the sum nor in the normaliser: 2·1 / 2
        open.Components!["steps"].ShouldBe(1.0);

        var closed = await new WeightedCompositeReward([answer, new WeightedReward(new Fixed("steps", 0.5), 1.0, Gate: true)]).ScoreAsync(Input("x"), default);
        closed.Score.ShouldBe(0);
        closed.Components!["answer"].ShouldBe(1.0); // parts are still reported, to see why the gate closed
        closed.Details!.ShouldContain("steps=0.5 (gate, closed)");

        Should.Throw<ArgumentException>(() => new WeightedCompositeReward([new WeightedReward(new Fixed("g", 1), 1, Gate: true)])).Message.ShouldContain("not a gate");
    }

    [Fact]
    public async Task An_equations_gate_keeps_a_right_answer_only_when_every_equation_shown_is_right()
    {
        var reward = new RewardFactory().Create(new RewardSpec
        {
            Kind = "composite",
            Parts = [new RewardSpec { Kind = "math" }, new RewardSpec { Kind = "equations", Gate = true }],
        });
        (await reward.ScoreAsync(Input("2 + 2 = 4\n4 + 2 = 6\n#### 6"), default)).Score.ShouldBe(1);
        (await reward.ScoreAsync(Input("2 + 2 = 5\n5 + 1 = 6\n#### 6"), default)).Score.ShouldBe(0); // right answer, wrong arithmetic
        (await reward.ScoreAsync(Input("2 + 2 = 4\n4 + 3 = 7\n#### 7"), default)).Score.ShouldBe(0); // right arithmetic, wrong answer
    }

    [Fact]
    public async Task Weighted_sum_and_normalised_sum_match_hand_computed_values()
    {
        var parts = new[] { new WeightedReward(new Fixed("a", 1.0), 2.0), new WeightedReward(new Fixed("b", 0.5), 1.0), new WeightedReward(new Fixed("c", 1.0), -0.5) };

        var raw = await new WeightedCompositeReward(parts).ScoreAsync(Input("x"), default);
        raw.Score.ShouldBe((2.0 * 1.0) + (1.0 * 0.5) - (0.5 * 1.0), 1e-12); // 2.0
        raw.Components!["b"].ShouldBe(0.5);

        var normalised = await new WeightedCompositeReward(parts, normalize: true).ScoreAsync(Input("x"), default);
        normalised.Score.ShouldBe(2.0 / 3.5, 1e-12);
    }

    [Fact]
    public async Task Math_plus_format_composite_on_a_real_completion()
    {
        var composite = new WeightedCompositeReward(
            [new WeightedReward(new MathReward(), 1.0), new WeightedReward(new RegexFormatReward(@"\n#### "), 0.2)],
            normalize: false);
        (await composite.ScoreAsync(Input("3 + 3 = 6\n#### 6"), default)).Score.ShouldBe(1.2, 1e-12);
        (await composite.ScoreAsync(Input("3 + 3 = 6\n#### 7"), default)).Score.ShouldBe(0.2, 1e-12);
        (await composite.ScoreAsync(Input("#### 6"), default)).Score.ShouldBe(1.0, 1e-12);
    }

    [Fact]
    public void Composite_configuration_errors_are_named()
    {
        Should.Throw<ArgumentException>(() => new WeightedCompositeReward([])).Message.ShouldContain("at least one part");
        Should.Throw<ArgumentException>(() => new WeightedCompositeReward([new(new Fixed("a", 1), 1), new(new Fixed("a", 1), 1)])).Message.ShouldContain("two parts named 'a'");
        Should.Throw<ArgumentException>(() => new WeightedCompositeReward([new(new Fixed("a", 1), 0)], normalize: true)).Message.ShouldContain("non-zero total weight");
        Should.Throw<ArgumentException>(() => new WeightedCompositeReward([new(new Fixed("a", 1), double.NaN)]));
    }

    [Fact]
    public async Task Safe_reward_turns_a_throwing_or_non_finite_reward_into_a_counted_zero()
    {
        var warnings = new List<string>();
        var safe = new SafeReward(new Throwing(), warnings.Add);

        var first = await safe.ScoreAsync(Input("x"), default);
        var second = await safe.ScoreAsync(Input("x"), default);

        (first.Score, first.Failed, second.Score).ShouldBe((0.0, true, 0.0));
        safe.FailureCount.ShouldBe(2);
        warnings.Count.ShouldBe(2);
        warnings[1].ShouldBe("reward 'boom' failed on item 'c' and scored 0 (2 failure(s) so far): threw InvalidOperationException: verifier down");

        var nan = new SafeReward(new Fixed("nan", double.NaN));
        (await nan.ScoreAsync(Input("x"), default)).Score.ShouldBe(0);
        nan.FailureCount.ShouldBe(1);

        var fine = new SafeReward(new Fixed("ok", 0.75));
        (await fine.ScoreAsync(Input("x"), default)).Score.ShouldBe(0.75);
        fine.FailureCount.ShouldBe(0);
    }

    [Fact]
    public async Task Safe_reward_lets_the_callers_cancellation_through()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var safe = new SafeReward(new CancelledReward());
        await Should.ThrowAsync<OperationCanceledException>(async () => await safe.ScoreAsync(Input("x"), cts.Token));
        safe.FailureCount.ShouldBe(0);
    }

    private sealed class CancelledReward : IRewardFunction
    {
        public string Name => "slow";

        public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
        {
            await Task.Delay(1000, cancellationToken);
            return new RewardResult(1);
        }
    }
}
