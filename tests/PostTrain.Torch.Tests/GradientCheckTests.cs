using PostTrain.Torch;
using static PostTrain.Torch.Tests.GradCheck;
using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>Autograd against central differences in float64 for every differentiable op the model and the RL losses use.</summary>
public class GradientCheckTests
{
    [Fact]
    public void Elementwise_arithmetic_with_broadcasting()
    {
        Check("add", x => x[0] + x[1], Rand(1, 2, 3), Rand(2, 3));
        Check("sub", x => x[0] - x[1], Rand(3, 2, 3), Rand(4, 2, 1));
        Check("mul", x => x[0] * x[1], Rand(5, 2, 3), Rand(6, 3));
        Check("div", x => x[0] / x[1], Rand(7, 2, 3), Positive(8, 2, 3));
        Check("scalar ops", x => (2.0 - x[0]) * 3.0 / 1.5 + 0.5, Rand(9, 4));
        Check("neg", x => -x[0], Rand(10, 3));
    }

    [Fact]
    public void Unary_functions()
    {
        Check("exp", x => x[0].Exp(), Rand(11, 2, 3));
        Check("log", x => x[0].Log(), Positive(12, 2, 3));
        Check("sqrt", x => x[0].Sqrt(), Positive(13, 2, 3));
        Check("rsqrt", x => x[0].Rsqrt(), Positive(14, 2, 3));
        Check("pow scalar", x => x[0].Pow(2.5), Positive(15, 5));
        Check("pow tensor", x => x[0].Pow(x[1]), Positive(16, 5), Rand(17, 5));
        Check("silu", x => x[0].Silu(), Rand(18, 6));
        Check("gelu", x => x[0].Gelu(), Rand(19, 6));
        Check("gelu tanh", x => x[0].Gelu(true), Rand(20, 6));
        Check("sigmoid", x => x[0].Sigmoid(), Rand(21, 6));
        Check("tanh", x => x[0].Tanh(), Rand(22, 6));
        Check("square", x => x[0].Square(), Rand(23, 6));
        Check("clamp", x => x[0].Clamp(-0.5, 0.5), Rand(24, 8));
        Check("minimum/maximum", x => x[0].Minimum(x[1]) + x[0].Maximum(x[1]) * 2.0, Rand(25, 6), Rand(26, 6));
    }

    [Fact]
    public void Matmul_linear_and_embedding()
    {
        Check("matmul", x => x[0].MatMul(x[1]), Rand(30, 2, 3, 4), Rand(31, 4, 2));
        Check("linear", x => F.Linear(x[0], x[1], x[2]), Rand(32, 2, 3), Rand(33, 4, 3), Rand(34, 4));
        Check("embedding", x =>
        {
            using var ids = Tensors.FromArray(new long[] { 0, 2, 2, 1 }, 2, 2);
            return F.Embedding(ids, x[0]);
        }, Rand(35, 3, 4));
    }

    [Fact]
    public void Normalisations_and_softmax()
    {
        Check("rms_norm", x => F.RmsNorm(x[0], x[1], 1e-6), Rand(40, 3, 4), Rand(41, 4));
        Check("layer_norm", x => F.LayerNorm(x[0], [4], x[1], x[2]), Rand(42, 3, 4), Rand(43, 4), Rand(44, 4));
        Check("softmax", x => x[0].Softmax(-1), Rand(45, 3, 4));
        Check("log_softmax", x => x[0].LogSoftmax(1), Rand(46, 3, 4));
        Check("logsumexp", x => x[0].LogSumExp(-1), Rand(47, 3, 4));
    }

    [Fact]
    public void Cross_entropy_with_ignore_index_and_reductions()
    {
        Check("ce mean", x =>
        {
            using var t = Tensors.FromArray(new long[] { 1, -100, 3 });
            return F.CrossEntropy(x[0], t);
        }, Rand(50, 3, 5));
        Check("ce sum smoothing", x =>
        {
            using var t = Tensors.FromArray(new long[] { 1, 0, 4 });
            return F.CrossEntropy(x[0], t, Reduction.Sum, labelSmoothing: 0.1);
        }, Rand(51, 3, 5));
        Check("ce none", x =>
        {
            using var t = Tensors.FromArray(new long[] { 2, 0, 4 });
            return F.CrossEntropy(x[0], t, Reduction.None);
        }, Rand(52, 3, 5));
    }

    [Fact]
    public void Scaled_dot_product_attention_with_causal_and_padding_masks()
    {
        var shape = new long[] { 1, 2, 3, 4 };
        Check("sdpa causal", x => F.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true), Rand(60, shape), Rand(61, shape), Rand(62, shape));
        Check("sdpa causal+padding", x =>
        {
            using var m = Tensors.FromArray(new[] { true, true, false }, 1, 1, 1, 3);
            return F.ScaledDotProductAttention(x[0], x[1], x[2], m, isCausal: true);
        }, Rand(63, shape), Rand(64, shape), Rand(65, shape));
    }

    [Fact]
    public void Reductions_and_indexing()
    {
        Check("sum/mean", x => x[0].Sum(1) + x[0].Mean(1), Rand(70, 3, 4));
        Check("max values", x => x[0].Max(1).Values, Rand(71, 3, 4));
        Check("amax", x => x[0].AMax([0L]), Rand(72, 3, 4));
        Check("gather", x =>
        {
            using var i = Tensors.FromArray(new long[] { 0, 3, 2, 2 }, 2, 2);
            return x[0].Gather(1, i);
        }, Rand(73, 2, 4));
        Check("index_select", x =>
        {
            using var i = Tensors.FromArray(new long[] { 2, 0, 2 });
            return x[0].IndexSelect(0, i);
        }, Rand(74, 3, 2));
        Check("masked_fill + where", x =>
        {
            using var m = Tensors.FromArray(new[] { true, false, true, false, false, true }, 2, 3);
            return Tensors.Where(m, x[0], x[1]) + x[0].MaskedFill(m, 0.0);
        }, Rand(75, 2, 3), Rand(76, 2, 3));
        Check("tril/triu", x => x[0].Tril() * 2.0 + x[0].Triu(1), Rand(77, 3, 3));
        Check("cumsum", x => x[0].CumSum(1), Rand(78, 2, 4));
    }

    [Fact]
    public void Views_and_joins()
    {
        Check("transpose/reshape", x => x[0].Transpose(0, 1).Reshape(-1) * 1.0, Rand(80, 2, 3));
        Check("permute/view", x => x[0].Permute(2, 0, 1).Contiguous().View(4, 6), Rand(81, 2, 3, 4));
        Check("narrow/select/slice", x => x[0].Narrow(1, 1, 2).Sum() + x[0].Select(0, 1).Sum() + x[0].Slice(1, 0, 3, 2).Sum(), Rand(82, 2, 3));
        Check("unsqueeze/expand/squeeze", x => x[0].Unsqueeze(0).Expand(3, 2, 2).Sum(0) + x[0].Unsqueeze(2).Squeeze(2), Rand(83, 2, 2));
        Check("cat/stack", x => Tensors.Cat([x[0], x[1]], 1).Sum(0) + Tensors.Stack([x[0], x[1]]).Sum(2).Sum(0).Sum(), Rand(84, 2, 3), Rand(85, 2, 3));
        Check("split/chunk", x => x[0].Split(2, 1)[0].Sum() * 2.0 + x[0].Chunk(2, 0)[1].Sum(), Rand(86, 4, 3));
    }

    [Fact]
    public void Grpo_clipped_surrogate_and_kl_estimator()
    {
        // logits -> token log-probs (log_softmax + gather), ratio = exp(new - old), clipped surrogate, k3 KL, masked mean.
        Check("grpo", x =>
        {
            using var tokens = Tensors.FromArray(new long[] { 1, 3, 0, 2, 2, 1 }, 2, 3, 1);
            using var oldLogp = Tensors.FromArray(new[] { -1.2, -1.5, -1.0, -1.3, -1.4, -1.1 }, 2, 3);
            using var refLogp = Tensors.FromArray(new[] { -1.1, -1.6, -1.2, -1.0, -1.5, -1.3 }, 2, 3);
            using var adv = Tensors.FromArray(new[] { 0.5, -0.7 }, 2, 1);
            using var mask = Tensors.FromArray(new[] { 1.0, 1.0, 0.0, 1.0, 1.0, 1.0 }, 2, 3);
            var logp = x[0].LogSoftmax(-1).Gather(2, tokens).Squeeze(2);
            var ratio = (logp - oldLogp).Exp();
            var surrogate = Tensors.Minimum(ratio * adv, ratio.Clamp(0.8, 1.2) * adv);
            var kl = (refLogp - logp).Exp() - (refLogp - logp) - 1.0;
            var perToken = -(surrogate - kl * 0.04);
            return (perToken * mask).Sum() / mask.Sum();
        }, Rand(90, 2, 3, 4));
    }
}
