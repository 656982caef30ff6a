using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

/// <summary>Completions are scored concurrently, results in input order.</summary>
public sealed class RewardScoringTests
{
    [Fact]
    public async Task Every_completion_is_scored_at_once_and_results_keep_the_input_order()
    {
        var reward = new SlowReward();
        var inputs = Enumerable.Range(0, 8).Select(i => new RewardInput("p", i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Example { Id = $"e{i}", Prompt = "p" })).ToList();
        var scores = await RewardScoring.ScoreAllAsync(reward, inputs, CancellationToken.None);
        scores.Select(s => s.Score).ShouldBe(Enumerable.Range(0, 8).Select(i => (double)i));
        reward.MostAtOnce.ShouldBe(8, "one slow completion does not hold the others back");
    }

    private sealed class SlowReward : IRewardFunction
    {
        private int _running;
        private int _most;

        public string Name => "slow";

        public int MostAtOnce => Volatile.Read(ref _most);

        public async ValueTask<RewardResult> ScoreAsync(RewardInput input, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _most, now);
            await Task.Delay(200, cancellationToken);
            Interlocked.Decrement(ref _running);
            return new RewardResult(double.Parse(input.Completion, System.Globalization.CultureInfo.InvariantCulture));
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
