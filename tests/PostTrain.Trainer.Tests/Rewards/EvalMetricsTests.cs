using FsCheck;
using FsCheck.Fluent;
using PostTrain.Trainer.Rewards;

namespace PostTrain.Trainer.Tests.Rewards;

public class EvalMetricsTests
{
    [Fact]
    public void Greedy_accuracy_is_the_fraction_correct()
    {
        EvalMetrics.GreedyAccuracy([true, false, true, true]).ShouldBe(0.75);
        EvalMetrics.GreedyAccuracy([]).ShouldBe(0);
    }

    [Theory]
    // 1 - C(n-c, k) / C(n, k), by hand:
    [InlineData(10, 3, 1, 0.3)] // 1 - 7/10
    [InlineData(10, 3, 2, 1 - (21.0 / 45.0))] // C(7,2)=21, C(10,2)=45
    [InlineData(5, 1, 5, 1.0)] // n-c < k
    [InlineData(5, 0, 3, 0.0)]
    [InlineData(4, 2, 2, 1 - (1.0 / 6.0))] // C(2,2)=1, C(4,2)=6
    public void Pass_at_k_matches_hand_computed_values(int n, int c, int k, double expected)
    {
        EvalMetrics.PassAtK(n, c, k).ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void Pass_at_k_is_exact_where_the_binomials_overflow_a_double()
    {
        // C(2000, 1000) is about 1e600: compare with the exact rational 1 - C(1990, 1000) / C(2000, 1000).
        static System.Numerics.BigInteger Choose(int n, int k)
        {
            System.Numerics.BigInteger r = 1;
            for (var i = 1; i <= k; i++)
            {
                r = r * (n - k + i) / i;
            }

            return r;
        }

        var scale = System.Numerics.BigInteger.Pow(10, 30);
        var ratio = (double)(Choose(1990, 1000) * scale / Choose(2000, 1000)) / 1e30;
        EvalMetrics.PassAtK(2000, 10, 1000).ShouldBe(1 - ratio, 1e-12);
    }

    [Fact]
    public void Pass_at_k_equals_the_binomial_formula_for_small_n()
    {
        static double Binomial(int n, int k)
        {
            double r = 1;
            for (var i = 1; i <= k; i++)
            {
                r = r * (n - k + i) / i;
            }

            return r;
        }

        Prop.ForAll(Gen.Choose(1, 30).SelectMany(n => Gen.Choose(0, n).SelectMany(c => Gen.Choose(1, n).Select(k => (n, c, k)))).ToArbitrary(), t =>
        {
            var (n, c, k) = t;
            var expected = n - c < k ? 1.0 : 1 - (Binomial(n - c, k) / Binomial(n, k));
            return Math.Abs(EvalMetrics.PassAtK(n, c, k) - expected) < 1e-9;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Mean_pass_at_k_and_bad_arguments()
    {
        EvalMetrics.MeanPassAtK([(10, 3), (10, 0)], 1).ShouldBe(0.15, 1e-12);
        Should.Throw<ArgumentOutOfRangeException>(() => EvalMetrics.PassAtK(5, 6, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => EvalMetrics.PassAtK(5, 1, 6));
        Should.Throw<ArgumentOutOfRangeException>(() => EvalMetrics.PassAtK(5, 1, 0));
    }
}
