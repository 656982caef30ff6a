using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>
/// The native causal attention over sequences packed without padding (issue 22, SFT): its output and the gradients of
/// q, k and v against libtorch's composite attention run on each sequence alone with a causal mask.
/// </summary>
public class VarlenAttentionTests
{
    private static float MaxDiff(Tensor a, Tensor b) => (a - b).Abs().Max().Item<float>();

    [Theory]
    [InlineData(4, 2, 32, new[] { 35, 79, 1, 50, 8 })] // the tiny model's shape, a one-token sequence among them
    [InlineData(3, 3, 16, new[] { 7, 12, 9 })] // one query head per key/value head
    [InlineData(8, 2, 20, new[] { 17, 5, 33 })] // a group of 4 and a width with no compiled specialisation
    [InlineData(4, 1, 64, new[] { 64, 3 })] // every query head on one key/value head
    public void Forward_and_gradients_match_causal_sdpa_on_each_sequence(int heads, int kvHeads, int headDim, int[] lengths)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var generator = new Generator(5);
        var total = lengths.Sum();
        var cu = new long[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++)
        {
            cu[s + 1] = cu[s] + lengths[s];
        }

        var cuSeqlens = Tensors.FromArray(cu, cu.Length);
        // q as the model makes it ([tokens, heads, headDim] transposed), k and v contiguous: both layouts are read in place.
        var q = Tensors.RandN([total, heads, headDim], generator: generator).Transpose(0, 1).Detach().WithRequiresGrad();
        var k = Tensors.RandN([kvHeads, total, headDim], generator: generator).WithRequiresGrad();
        var v = Tensors.RandN([kvHeads, total, headDim], generator: generator).WithRequiresGrad();
        var upstream = Tensors.RandN([total, heads, headDim], generator: generator);

        var attended = F.VarlenCausalAttention(q, k, v, cuSeqlens);
        attended.Shape.ShouldBe([(long)total, heads, headDim]);
        (attended * upstream).Sum().Backward();

        // The reference: each sequence alone, key/value heads repeated for their query heads, libtorch's causal SDPA.
        var q2 = q.Detach().Clone().WithRequiresGrad();
        var k2 = k.Detach().Clone().WithRequiresGrad();
        var v2 = v.Detach().Clone().WithRequiresGrad();
        var group = heads / kvHeads;
        var parts = new List<Tensor>();
        for (var s = 0; s < lengths.Length; s++)
        {
            long start = cu[s], length = lengths[s];
            var ks = k2.Narrow(1, start, length).Unsqueeze(1).Expand(kvHeads, group, length, headDim).Reshape(heads, length, headDim);
            var vs = v2.Narrow(1, start, length).Unsqueeze(1).Expand(kvHeads, group, length, headDim).Reshape(heads, length, headDim);
            parts.Add(F.ScaledDotProductAttention(q2.Narrow(1, start, length), ks, vs, isCausal: true).Transpose(0, 1));
        }

        var expected = Tensors.Cat(parts, 0);
        (expected * upstream).Sum().Backward();

        MaxDiff(attended, expected).ShouldBeLessThan(1e-5f);
        MaxDiff(q.Grad!, q2.Grad!).ShouldBeLessThan(1e-5f, "dq");
        MaxDiff(k.Grad!, k2.Grad!).ShouldBeLessThan(1e-5f, "dk");
        MaxDiff(v.Grad!, v2.Grad!).ShouldBeLessThan(1e-5f, "dv");
    }

    [Theory]
    [InlineData(4, 2, 32)]
    [InlineData(2, 1, 12)] // no compiled specialisation, a width that is not a multiple of 8
    public void Rotary_tables_rotate_q_and_k_inside_the_kernel_with_gradients_to_the_unrotated_inputs(int heads, int kvHeads, int headDim)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var generator = new Generator(3);
        long[] cu = [0, 21, 22, 60];
        var total = cu[^1];
        var cuSeqlens = Tensors.FromArray(cu, cu.Length);
        var angles = Tensors.RandN([1, 1, total, headDim / 2], generator: generator) * 3.0;
        var doubled = Tensors.Cat([angles, angles], -1);
        var (cos, sin) = (doubled.Cos(), doubled.Sin());
        var q = Tensors.RandN([total, heads, headDim], generator: generator).Transpose(0, 1).Detach().WithRequiresGrad();
        var k = Tensors.RandN([total, kvHeads, headDim], generator: generator).Transpose(0, 1).Detach().WithRequiresGrad();
        var v = Tensors.RandN([kvHeads, total, headDim], generator: generator).WithRequiresGrad();
        var upstream = Tensors.RandN([total, heads, headDim], generator: generator);

        var attended = F.VarlenCausalAttention(q, k, v, cuSeqlens, (cos, sin));
        (attended * upstream).Sum().Backward();

        // The reference: RotaryEmbedding.Apply's composite (x·cos + rotate_half(x)·sin), then the kernel without tables.
        var q2 = q.Detach().Clone().WithRequiresGrad();
        var k2 = k.Detach().Clone().WithRequiresGrad();
        var v2 = v.Detach().Clone().WithRequiresGrad();
        Tensor Rotate(Tensor x)
        {
            var halves = x.Chunk(2, -1);
            return (x * cos.Select(0, 0)) + (Tensors.Cat([-halves[1], halves[0]], -1) * sin.Select(0, 0));
        }

        var expected = F.VarlenCausalAttention(Rotate(q2), Rotate(k2), v2, cuSeqlens);
        (expected * upstream).Sum().Backward();

        MaxDiff(attended, expected).ShouldBeLessThan(1e-5f);
        MaxDiff(q.Grad!, q2.Grad!).ShouldBeLessThan(1e-5f, "dq");
        MaxDiff(k.Grad!, k2.Grad!).ShouldBeLessThan(1e-5f, "dk");
        MaxDiff(v.Grad!, v2.Grad!).ShouldBeLessThan(1e-5f, "dv");
    }

    [Fact]
    public void Same_inputs_give_the_same_bits_at_any_thread_count()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var generator = new Generator(9);
        var cuSeqlens = Tensors.FromArray(new long[] { 0, 30, 41, 90, 130 }, 5);
        var q = Tensors.RandN([4, 130, 32], generator: generator).WithRequiresGrad();
        var k = Tensors.RandN([2, 130, 32], generator: generator).WithRequiresGrad();
        var v = Tensors.RandN([2, 130, 32], generator: generator).WithRequiresGrad();
        var upstream = Tensors.RandN([130, 4, 32], generator: generator);
        var threads = Tensors.NumThreads;
        try
        {
            var results = new List<Tensor[]>();
            foreach (var n in new[] { 1, 2 })
            {
                Tensors.NumThreads = n;
                q.Grad = null;
                k.Grad = null;
                v.Grad = null;
                var attended = F.VarlenCausalAttention(q, k, v, cuSeqlens);
                (attended * upstream).Sum().Backward();
                results.Add([attended.Detach(), q.Grad!.Clone(), k.Grad!.Clone(), v.Grad!.Clone()]);
            }

            for (var i = 0; i < 4; i++)
            {
                MaxDiff(results[0][i], results[1][i]).ShouldBe(0f, $"output {i}");
            }
        }
        finally
        {
            Tensors.NumThreads = threads;
        }
    }

    [Fact]
    public void Rejects_boundaries_that_do_not_cover_the_row()
    {
        using var scope = TorchScope.NewDisposeScope();
        var q = Tensors.Zeros([2, 10, 8]);
        var kv = Tensors.Zeros([1, 10, 8]);
        Should.Throw<TorchException>(() => F.VarlenCausalAttention(q, kv, kv, Tensors.FromArray(new long[] { 0, 4, 9 }, 3)));
        Should.Throw<TorchException>(() => F.VarlenCausalAttention(q, kv, kv, Tensors.FromArray(new long[] { 0, 6, 4, 10 }, 4)));
    }
}
