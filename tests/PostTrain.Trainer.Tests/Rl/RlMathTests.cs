using PostTrain.Api.Rlvr;
using PostTrain.Torch;
using PostTrain.Trainer.Rl;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Rl;

/// <summary>Each RL formula against values worked out by hand (shown in the comments).</summary>
public class RlMathTests
{
    private static Tensor T(params double[] values) => TorchOps.FromArray(values, values.Length);

    private static Tensor T2(double[,] values) =>
        TorchOps.FromArray(values.Cast<double>().ToArray(), values.GetLength(0), values.GetLength(1));

    [Fact]
    public void Grpo_normalises_by_the_unbiased_group_std()
    {
        // rewards 1,0,0,1: mean 0.5, unbiased std sqrt(1/3) = 0.57735; (±0.5) / 0.57735 = ±0.866025
        var a = Advantages.Compute(AdvantageEstimator.Grpo, [1, 0, 0, 1]);
        a.ShouldBe([0.866025, -0.866025, -0.866025, 0.866025], 1e-5);
    }

    [Fact]
    public void Grpo_without_std_and_Dr_Grpo_only_centre()
    {
        Advantages.Compute(AdvantageEstimator.GrpoNoStd, [3, 1]).ShouldBe([1.0, -1.0]);
        Advantages.Compute(AdvantageEstimator.DrGrpo, [2, 2, 5]).ShouldBe([-1.0, -1.0, 2.0]);
    }

    [Fact]
    public void Scaling_negatives_keeps_positive_advantages_and_shrinks_negative_ones()
    {
        // GRPO of 1,0,0,0: mean 0.25, unbiased std 0.5; 0.75 / 0.5 = 1.5 and −0.25 / 0.5 = −0.5
        var a = Advantages.Compute(AdvantageEstimator.Grpo, [1, 0, 0, 0]);
        a.ShouldBe([1.5, -0.5, -0.5, -0.5], 1e-5);
        Advantages.ScaleNegatives(a, 1).ShouldBe(a);
        Advantages.ScaleNegatives(a, 0.2).ShouldBe([1.5, -0.1, -0.1, -0.1], 1e-5);
        Advantages.ScaleNegatives(a, 0).ShouldBe([1.5, 0, 0, 0], 1e-5);
        Should.Throw<ArgumentOutOfRangeException>(() => Advantages.ScaleNegatives(a, 1.5));
        Should.Throw<ArgumentOutOfRangeException>(() => Advantages.ScaleNegatives(a, double.NaN));
    }

    [Fact]
    public void Rloo_subtracts_the_mean_of_the_other_samples()
    {
        // 1 − (0 + 0 + 1)/3 = 2/3 ; 0 − (1 + 0 + 1)/3 = −2/3
        Advantages.Compute(AdvantageEstimator.Rloo, [1, 0, 0, 1]).ShouldBe([2 / 3.0, -2 / 3.0, -2 / 3.0, 2 / 3.0], 1e-12);
    }

    [Fact]
    public void Degenerate_groups_and_single_samples_have_zero_advantage()
    {
        Advantages.IsDegenerate([1, 1, 1]).ShouldBeTrue();
        Advantages.IsDegenerate([1, 0, 1]).ShouldBeFalse();
        Advantages.Compute(AdvantageEstimator.Grpo, [1, 1, 1]).ShouldBe([0.0, 0.0, 0.0]);
        Advantages.Compute(AdvantageEstimator.Grpo, [1]).ShouldBe([0.0]);
        Advantages.ComputeGrouped(AdvantageEstimator.GrpoNoStd, [1, 0, 5, 5], 2).ShouldBe([0.5, -0.5, 0, 0]);
    }

    [Fact]
    public void Ppo_clip_uses_separate_low_and_high_ranges()
    {
        using var scope = TorchScope.NewDisposeScope();
        // ratios 1.5, 1.5, 0.5, 0.5 with advantages +1, −1, −1, +1; εlow 0.2, εhigh 0.28
        var ratio = T(1.5, 1.5, 0.5, 0.5);
        var (loss, clipped, dual) = PolicyLoss.Compute(ratio.Log(), T(0, 0, 0, 0), T(1, -1, -1, 1), 0.2, 0.28);
        // +1, ρ 1.5: max(−1.5, −1.28) = −1.28 (clipped) ; −1, ρ 1.5: max(1.5, 1.28) = 1.5
        // −1, ρ 0.5: max(0.5, 0.8) = 0.8 (clipped)      ; +1, ρ 0.5: max(−0.5, −0.8) = −0.5
        loss.ToArray<double>().ShouldBe([-1.28, 1.5, 0.8, -0.5], 1e-12);
        clipped.ToArray<float>().ShouldBe([1f, 0f, 1f, 0f]);
        dual.ToArray<float>().ShouldBe([0f, 0f, 0f, 0f]);
        // the first token is held by the high bound (A > 0), the third by the low bound (A < 0)
        var (low, high) = PolicyLoss.SplitClipped(clipped, T(1, -1, -1, 1));
        low.ToArray<float>().ShouldBe([0f, 0f, 1f, 0f]);
        high.ToArray<float>().ShouldBe([1f, 0f, 0f, 0f]);

        // the trainer's shapes: one advantage per sequence [2, 1] broadcast over its tokens [2, 2]
        var (lowBySequence, highBySequence) = PolicyLoss.SplitClipped(T2(new double[,] { { 1, 0 }, { 1, 1 } }).To(ScalarType.Float32), T2(new double[,] { { 1 }, { -1 } }));
        lowBySequence.ToArray<float>().ShouldBe([0f, 0f, 1f, 1f]);
        highBySequence.ToArray<float>().ShouldBe([1f, 0f, 0f, 0f]);
    }

    [Fact]
    public void Dual_clip_bounds_the_loss_of_negative_advantages_by_c()
    {
        using var scope = TorchScope.NewDisposeScope();
        // −1, ρ 5: max(5, 1.28) = 5 > c·|A| = 3 → 3 ; +1, ρ 5 is untouched: max(−5, −1.28) = −1.28
        var (loss, _, dual) = PolicyLoss.Compute(T(5, 5).Log(), T(0, 0), T(-1, 1), 0.2, 0.28, dualClip: 3);
        loss.ToArray<double>().ShouldBe([3.0, -1.28], 1e-12);
        dual.ToArray<float>().ShouldBe([1f, 0f]);
    }

    [Fact]
    public void Policy_gradient_in_the_unclipped_region_is_minus_advantage_times_ratio()
    {
        using var scope = TorchScope.NewDisposeScope();
        var logp = T(0.1).WithRequiresGrad();
        var (loss, _, _) = PolicyLoss.Compute(logp, T(0), T(2), 0.2, 0.2);
        loss.Sum().Backward();
        // d/dlogp (−A·exp(logp − old)) = −2·e^0.1 = −2.210342
        logp.Grad!.ToArray<double>()[0].ShouldBe(-2 * Math.Exp(0.1), 1e-12);
    }

    [Fact]
    public void An_extreme_log_ratio_is_clamped_at_20_so_loss_and_gradients_stay_finite_even_where_masked()
    {
        // float32, as training computes. Unclamped, exp(100) is inf: A = −1 gives an infinite loss, and the masked
        // position multiplies inf by 0 (NaN). Clamped, ρ = exp(20) = 4.85165e8.
        var logp = T(100, -100, 0).To(ScalarType.Float32).WithRequiresGrad();
        var (loss, _, _) = PolicyLoss.Compute(logp, T(0, 0, 0).To(ScalarType.Float32), T(-1, 1, 1).To(ScalarType.Float32), 0.2, 0.28);
        var values = loss.ToArray<float>();
        values[0].ShouldBe((float)Math.Exp(20), 1e3f);
        values.ShouldAllBe(v => float.IsFinite(v));
        var masked = (loss * T(0, 1, 1).To(ScalarType.Float32)).Sum();
        float.IsFinite(masked.Item<float>()).ShouldBeTrue();
        masked.Backward();
        logp.Grad!.ToArray<float>().ShouldAllBe(g => float.IsFinite(g));
    }

    [Fact]
    public void K3_clamps_its_log_ratio_at_20_before_exp_and_its_value_at_10()
    {
        // log π − log π_ref = −100: unclamped, exp(100) = inf in float32 and the gradient through the outer clamp is
        // 0·inf = NaN. With the inner clamp: exp(20) − 20 − 1, clamped to 10, gradient 0.
        var logp = T(-100, 100, 0.5).To(ScalarType.Float32).WithRequiresGrad();
        var k3 = KlPenalty.Compute(KlEstimator.K3, logp, T(0, 0, 0).To(ScalarType.Float32));
        var values = k3.ToArray<float>();
        values[0].ShouldBe(10f);
        values[1].ShouldBe(10f); // exp(−20) + 20 − 1 = 19, clamped
        values[2].ShouldBe((float)(Math.Exp(-0.5) + 0.5 - 1), 1e-6f);
        k3.Sum().Backward();
        var grads = logp.Grad!.ToArray<float>();
        grads.ShouldAllBe(g => float.IsFinite(g));
        grads[2].ShouldBe((float)(1 - Math.Exp(-0.5)), 1e-6f); // d/dlogp (e^{−d} + d − 1) = 1 − e^{−d}
    }

    [Fact]
    public void Kl_estimators_match_their_formulas()
    {
        using var scope = TorchScope.NewDisposeScope();
        // log π = ln 0.5, log π_ref = ln 0.25: d = ln 2 = 0.693147
        var logp = T(Math.Log(0.5));
        var reference = T(Math.Log(0.25));
        KlPenalty.Compute(KlEstimator.K1, logp, reference).Item<double>().ShouldBe(0.693147, 1e-6);
        KlPenalty.Compute(KlEstimator.K2, logp, reference).Item<double>().ShouldBe(0.240227, 1e-6); // ½ d²
        KlPenalty.Compute(KlEstimator.K3, logp, reference).Item<double>().ShouldBe(0.193147, 1e-6); // e^{−d} + d − 1
        KlPenalty.Compute(KlEstimator.K3, logp, logp).Item<double>().ShouldBe(0);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean, 7 / 3.0)] // (1 + 2 + 4) / 3 tokens
    [InlineData(LossAggregation.SeqMeanTokenSum, 3.5)] // (3 + 4) / 2 sequences
    [InlineData(LossAggregation.SeqMeanTokenMean, 2.75)] // (1.5 + 4) / 2
    [InlineData(LossAggregation.SeqMeanTokenSumNorm, 7 / 6.0)] // (3 + 4) / 2 sequences / constant 3 (seq length)
    public void Loss_aggregations(LossAggregation mode, double expected)
    {
        using var scope = TorchScope.NewDisposeScope();
        var loss = T2(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var mask = T2(new double[,] { { 1, 1, 0 }, { 1, 0, 0 } });
        LossAggregator.Aggregate(mode, loss, mask).Item<double>().ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void Token_sum_norm_takes_an_explicit_constant()
    {
        using var scope = TorchScope.NewDisposeScope();
        LossAggregator.Aggregate(LossAggregation.SeqMeanTokenSumNorm, T2(new double[,] { { 1, 2 }, { 4, 5 } }), T2(new double[,] { { 1, 1 }, { 1, 0 } }), 10).Item<double>().ShouldBe(0.35, 1e-12); // (3 + 4) / 2 / 10
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSum)]
    [InlineData(LossAggregation.SeqMeanTokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void Micro_batch_shares_sum_to_the_whole_batch_aggregate(LossAggregation mode)
    {
        using var scope = TorchScope.NewDisposeScope();
        var loss = T2(new double[,] { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } });
        var mask = T2(new double[,] { { 1, 1, 0 }, { 1, 0, 0 }, { 1, 1, 1 } });
        var whole = LossAggregator.Aggregate(mode, loss, mask).Item<double>();
        var shares = LossAggregator.Partial(mode, loss.Narrow(0, 0, 2), mask.Narrow(0, 0, 2), 6, 3, 3).Item<double>()
            + LossAggregator.Partial(mode, loss.Narrow(0, 2, 1), mask.Narrow(0, 2, 1), 6, 3, 3).Item<double>();
        shares.ShouldBe(whole, 1e-12);
    }

    [Fact]
    public void Entropy_of_uniform_logits_is_log_vocab()
    {
        using var scope = TorchScope.NewDisposeScope();
        Entropy.FromLogits(TorchOps.Zeros([2, 4])).ToArray<float>().ShouldBe([(float)Math.Log(4), (float)Math.Log(4)], 1e-6f);
    }
}
