using PostTrain.Torch;
using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;
using PostTrain.Torch.Serialization;
using F = PostTrain.Torch.Functional;
using T = System.Collections.Generic.Dictionary<string, PostTrain.Torch.Tensor>;

namespace PostTrain.Torch.Tests;

/// <summary>Every op against python3-torch's output on the same inputs (golden/ops.json, made by golden/make_golden.py).</summary>
public class GoldenOpTests
{
    private static readonly Dictionary<string, Func<T, T>> Ops = new()
    {
        ["add"] = i => O(i["a"] + i["b"]),
        ["sub"] = i => O(i["a"] - i["b"]),
        ["mul"] = i => O(i["a"] * i["b"]),
        ["div"] = i => O(i["a"] / i["b"]),
        ["add_scalar"] = i => O(i["a"] + 2.5),
        ["rsub_scalar"] = i => O(1.0 - i["a"]),
        ["mul_scalar_int"] = i => O(i["a"] * 3),
        ["rdiv_scalar"] = i => O(2.0 / i["a"]),
        ["pow_scalar"] = i => O(i["a"].Pow(1.5)),
        ["pow_tensor"] = i => O(i["a"].Pow(i["b"])),
        ["minimum"] = i => O(Tensors.Minimum(i["a"], i["b"])),
        ["maximum"] = i => O(Tensors.Maximum(i["a"], i["b"])),
        ["lt"] = i => O(i["a"] < i["b"]),
        ["ge_scalar"] = i => O(i["a"] >= 0.0),
        ["eq_int"] = i => O(i["a"].Eq(i["b"])),
        ["remainder_int"] = i => O(i["a"] % 4),
        ["floor_divide"] = i => O(i["a"].FloorDivide(i["b"])),
        ["neg"] = i => O(-i["a"]),
        ["exp"] = i => O(i["a"].Exp()),
        ["log"] = i => O(i["a"].Log()),
        ["sqrt"] = i => O(i["a"].Sqrt()),
        ["rsqrt"] = i => O(i["a"].Rsqrt()),
        ["abs"] = i => O(i["a"].Abs()),
        ["relu"] = i => O(i["a"].Relu()),
        ["silu"] = i => O(F.Silu(i["a"])),
        ["gelu"] = i => O(F.Gelu(i["a"])),
        ["gelu_tanh"] = i => O(F.Gelu(i["a"], tanhApproximation: true)),
        ["sigmoid"] = i => O(i["a"].Sigmoid()),
        ["tanh"] = i => O(i["a"].Tanh()),
        ["clamp"] = i => O(i["a"].Clamp(-0.5, 0.5)),
        ["clamp_min"] = i => O(i["a"].Clamp(min: 0.1)),
        ["masked_fill"] = i => O(i["a"].MaskedFill(i["m"], -1e9)),
        ["where"] = i => O(Tensors.Where(i["c"], i["a"], i["b"])),
        ["logical_and_or_not"] = i => new T { ["and"] = i["a"] & i["b"], ["or"] = i["a"] | i["b"], ["not"] = !i["a"] },
        ["matmul_batched"] = i => O(i["a"].MatMul(i["b"])),
        ["linear"] = i => O(F.Linear(i["x"], i["w"], i["b"])),
        ["linear_nobias"] = i => O(F.Linear(i["x"], i["w"])),
        ["embedding"] = i => O(F.Embedding(i["i"], i["w"])),
        ["rms_norm"] = i => O(F.RmsNorm(i["x"], i["w"], 1e-6)),
        ["layer_norm"] = i => O(F.LayerNorm(i["x"], [4], i["w"], i["b"], 1e-5)),
        ["softmax"] = i => O(i["a"].Softmax(-1)),
        ["log_softmax"] = i => O(F.LogSoftmax(i["a"], 1)),
        ["cross_entropy_mean_ignore"] = i => O(F.CrossEntropy(i["x"], i["t"], ignoreIndex: -100)),
        ["cross_entropy_sum"] = i => O(F.CrossEntropy(i["x"], i["t"], Reduction.Sum)),
        ["cross_entropy_none"] = i => O(F.CrossEntropy(i["x"], i["t"], Reduction.None)),
        ["cross_entropy_smoothing"] = i => O(F.CrossEntropy(i["x"], i["t"], labelSmoothing: 0.1)),
        ["cross_entropy_3d"] = i => O(F.CrossEntropy(i["x"], i["t"])),
        ["sdpa_plain"] = i => O(F.ScaledDotProductAttention(i["q"], i["k"], i["v"])),
        ["sdpa_causal"] = i => O(F.ScaledDotProductAttention(i["q"], i["k"], i["v"], isCausal: true)),
        ["sdpa_padding"] = i => O(F.ScaledDotProductAttention(i["q"], i["k"], i["v"], i["m"])),
        ["sdpa_causal_padding"] = i => O(F.ScaledDotProductAttention(i["q"], i["k"], i["v"], i["m"], isCausal: true)),
        ["sum_all"] = i => O(i["a"].Sum()),
        ["sum_dim_keep"] = i => O(i["a"].Sum(1, keepDim: true)),
        ["mean_dims"] = i => O(i["a"].Mean([0L, 2L])),
        ["mean_all"] = i => O(i["a"].Mean()),
        ["max_all"] = i => O(i["a"].Max()),
        ["max_dim"] = i => Pair(i["a"].Max(2)),
        ["min_dim"] = i => Pair(i["a"].Min(0)),
        ["argmax_dim"] = i => O(i["a"].ArgMax(-1)),
        ["argmax_all"] = i => O(i["a"].ArgMax()),
        ["logsumexp"] = i => O(i["a"].LogSumExp(1)),
        ["cumsum"] = i => O(i["a"].CumSum(2)),
        ["cumsum_int"] = i => O(i["a"].CumSum(1)),
        ["norm"] = i => O(i["a"].Norm()),
        ["std_dim"] = i => O(i["a"].Std([1L])),
        ["std_all_biased"] = i => O(i["a"].Std(unbiased: false)),
        ["var_dims_keep"] = i => O(i["a"].Var([0L, 2L], keepDim: true)),
        ["scatter"] = i => O(i["a"].Scatter(1, i["i"], i["s"])),
        ["topk"] = i => Pair(i["a"].TopK(2)),
        ["sort_desc"] = i => Pair(i["a"].Sort(-1, descending: true)),
        ["transpose"] = i => O(i["a"].Transpose(0, 2).Contiguous()),
        ["permute"] = i => O(i["a"].Permute(2, 0, 1).Contiguous()),
        ["narrow"] = i => O(i["a"].Narrow(2, 1, 2).Contiguous()),
        ["select"] = i => O(i["a"].Select(1, 2).Contiguous()),
        ["slice_step"] = i => O(i["a"].Slice(0, 1, 6, 2).Contiguous()),
        ["unsqueeze"] = i => O(i["a"].Unsqueeze(1)),
        ["squeeze"] = i => O(i["a"].Squeeze()),
        ["squeeze_dim"] = i => O(i["a"].Squeeze(1)),
        ["expand"] = i => O(i["a"].Expand(3, 4).Contiguous()),
        ["reshape"] = i => O(i["a"].Reshape(4, -1)),
        ["view"] = i => O(i["a"].View(6, 4)),
        ["flatten"] = i => O(i["a"].Flatten(1)),
        ["cat"] = i => O(Tensors.Cat([i["a"], i["b"]], 1)),
        ["stack"] = i => O(Tensors.Stack([i["a"], i["b"]])),
        ["split"] = i => Parts(i["a"].Split(2)),
        ["chunk"] = i => Parts(i["a"].Chunk(3, 1)),
        ["gather"] = i => O(i["a"].Gather(1, i["i"])),
        ["index_select"] = i => O(i["a"].IndexSelect(0, i["i"])),
        ["tril"] = i => O(i["a"].Tril()),
        ["triu_1"] = i => O(i["a"].Triu(1)),
        ["scatter_add"] = i => O(i["a"].ScatterAdd(1, i["i"], i["s"])),
        ["to_bf16"] = i => O(i["a"].To(ScalarType.BFloat16)),
        ["to_f16"] = i => O(i["a"].To(ScalarType.Float16)),
        ["to_i64"] = i => O(i["a"].To(ScalarType.Int64)),
        ["bf16_matmul"] = i => O(i["a"].MatMul(i["b"])),
        ["mlp_grads"] = MlpGrads,
        ["adamw_3_steps"] = AdamWSteps,
        ["clip_grad_norm"] = Clip,
        ["seeded_random"] = _ => Seeded(),
        ["safetensors_reference"] = _ => SafeTensors.Load(Path.Combine(AppContext.BaseDirectory, "golden", "reference.safetensors")),
    };

    public static TheoryData<string> CaseNames() => new(Golden.All.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Every_golden_case_has_an_implementation_and_the_other_way_round()
    {
        Golden.All.Keys.Order(StringComparer.Ordinal).ShouldBe(Ops.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Op_matches_python_torch(string name)
    {
        var c = Golden.Get(name);
        using var scope = TorchScope.NewDisposeScope();
        var inputs = c.Inputs.ToDictionary(kv => kv.Key, kv => Golden.ToTensor(kv.Value));
        var outputs = Ops[name](inputs);
        outputs.Keys.Order(StringComparer.Ordinal).ShouldBe(c.Outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, expected) in c.Outputs)
        {
            Golden.AssertMatches(outputs[key], expected, c.Tolerance, $"{name}.{key}");
        }
    }

    private static T O(Tensor t) => new() { ["out"] = t };

    private static T Pair((Tensor Values, Tensor Indices) r) => new() { ["values"] = r.Values, ["indices"] = r.Indices };

    private static T Parts(Tensor[] parts)
    {
        var d = new T();
        for (var i = 0; i < parts.Length; i++)
        {
            d[$"p{i}"] = parts[i].Contiguous();
        }

        return d;
    }

    private static T MlpGrads(T i)
    {
        var w1 = i["w1"].WithRequiresGrad();
        var b1 = i["b1"].WithRequiresGrad();
        var w2 = i["w2"].WithRequiresGrad();
        var loss = F.CrossEntropy(F.Linear(F.Silu(F.Linear(i["x"], w1, b1)), w2), i["t"]);
        loss.Backward();
        return new T { ["loss"] = loss.Detach(), ["w1"] = w1.Grad!, ["b1"] = b1.Grad!, ["w2"] = w2.Grad! };
    }

    private static T AdamWSteps(T i)
    {
        using var p = new Parameter(i["p"]);
        using var opt = new AdamW([p], learningRate: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1);
        foreach (var g in new[] { "g0", "g1", "g2" })
        {
            p.Grad = i[g].Clone();
            opt.Step();
        }

        var (_, state) = opt.GetState();
        return new T { ["p"] = p.Detach().Clone(), ["exp_avg"] = state["exp_avg.0"].Clone(), ["exp_avg_sq"] = state["exp_avg_sq.0"].Clone() };
    }

    private static T Clip(T i)
    {
        using var a = new Parameter(i["a"]);
        using var b = new Parameter(i["b"]);
        a.Grad = i["ga"].Clone();
        b.Grad = i["gb"].Clone();
        var total = GradientClipping.ClipGradNorm([a, b], 1.0);
        return new T { ["total"] = Tensors.Scalar(total), ["ga"] = a.Grad!, ["gb"] = b.Grad! };
    }

    private static T Seeded()
    {
        using var g1 = new Generator(42);
        using var g2 = new Generator(7);
        using var g3 = new Generator(3);
        using var probs = Tensors.FromArray(new[] { 0.1f, 0.2f, 0.7f, 0.5f, 0.5f, 0f }, 2, 3);
        return new T
        {
            ["randn"] = Tensors.RandN([3, 4], generator: g1),
            ["rand"] = Tensors.Rand([5], generator: g2),
            ["multinomial"] = Tensors.Multinomial(probs, 4, replacement: true, generator: g3),
        };
    }
}
