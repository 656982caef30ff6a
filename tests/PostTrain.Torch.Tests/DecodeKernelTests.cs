using F = PostTrain.Torch.Functional;

namespace PostTrain.Torch.Tests;

/// <summary>The native inference kernels (issue 22) against libtorch's composite ops on the same inputs.</summary>
public class DecodeKernelTests
{
    private static float MaxDiff(Tensor a, Tensor b) => (a - b).Abs().Max().Item<float>();

    [Theory]
    [InlineData(4, 2, 32)] // grouped-query heads, the tiny model's shape
    [InlineData(3, 3, 16)] // one query head per key/value head
    [InlineData(8, 2, 20)] // a group of 4 and a width with no compiled specialisation
    public void Decode_attention_writes_the_new_keys_and_values_and_attends_like_sdpa(int heads, int kvHeads, int headDim)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        using var generator = new Generator(7);
        const long batch = 5, capacity = 12, position = 6; // attends to positions 0..6
        var keyCache = Tensors.RandN([batch, kvHeads, capacity, headDim], generator: generator);
        var valueCache = Tensors.RandN([batch, kvHeads, capacity, headDim], generator: generator);
        var rows = Tensors.FromArray(new long[] { 4, 0, 2 }, 3); // three rows still running, in cache rows 4, 0 and 2
        var q = Tensors.RandN([3, heads, 1, headDim], generator: generator);
        var newKeys = Tensors.RandN([3, kvHeads, 1, headDim], generator: generator);
        var newValues = Tensors.RandN([3, kvHeads, 1, headDim], generator: generator);
        var mask = Tensors.Rand([batch, 1, 1, capacity], generator: generator) < 0.7; // some keys masked out per row
        mask.Narrow(3, position, 1).FillInPlace(1); // a query always sees itself

        var attended = F.DecodeAttention(q, newKeys, newValues, keyCache, valueCache, rows, position, mask);

        attended.Shape.ShouldBe([3L, 1L, heads, headDim]);
        var cacheRows = new[] { 4L, 0L, 2L };
        for (var r = 0; r < 3; r++)
        {
            var b = cacheRows[r];
            MaxDiff(keyCache.Select(0, b).Narrow(1, position, 1), newKeys.Select(0, r)).ShouldBe(0f);
            MaxDiff(valueCache.Select(0, b).Narrow(1, position, 1), newValues.Select(0, r)).ShouldBe(0f);

            // The reference: the cache row up to the position, key/value heads repeated for their query heads, libtorch's SDPA.
            var group = heads / kvHeads;
            var k = keyCache.Select(0, b).Narrow(1, 0, position + 1).Unsqueeze(1).Expand(kvHeads, group, position + 1, headDim).Reshape(heads, position + 1, headDim);
            var v = valueCache.Select(0, b).Narrow(1, 0, position + 1).Unsqueeze(1).Expand(kvHeads, group, position + 1, headDim).Reshape(heads, position + 1, headDim);
            var m = mask.Select(0, b).Narrow(2, 0, position + 1); // [1, 1, keys]
            var expected = F.ScaledDotProductAttention(q.Select(0, r), k, v, m); // [heads, 1, headDim]
            MaxDiff(attended.Select(0, r).Select(0, 0), expected.Select(1, 0)).ShouldBeLessThan(2e-6f, $"row {r}");
        }

        // Cache rows nobody decodes keep their contents.
        var untouched = keyCache.Select(0, 1).Narrow(1, position, 1).Clone();
        F.DecodeAttention(q, newKeys, newValues, keyCache, valueCache, rows, position, mask);
        MaxDiff(keyCache.Select(0, 1).Narrow(1, position, 1), untouched).ShouldBe(0f);
    }

    [Fact]
    public void Decode_attention_reads_positions_below_a_shared_prefix_from_the_prefix_row()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        using var generator = new Generator(11);
        const long batch = 4, capacity = 9, prefixLength = 5, position = 7;
        var keyCache = Tensors.RandN([batch, 2, capacity, 16], generator: generator);
        var valueCache = Tensors.RandN([batch, 2, capacity, 16], generator: generator);
        var prefixKeys = Tensors.RandN([2, 2, prefixLength, 16], generator: generator);
        var prefixValues = Tensors.RandN([2, 2, prefixLength, 16], generator: generator);
        var prefixRows = Tensors.FromArray(new long[] { 1, 0, 1, 0 }, 4); // two prompts, each shared by two rows
        var q = Tensors.RandN([batch, 4, 1, 16], generator: generator);
        var newKeys = Tensors.RandN([batch, 2, 1, 16], generator: generator);
        var newValues = Tensors.RandN([batch, 2, 1, 16], generator: generator);

        var attended = F.DecodeAttention(q, newKeys, newValues, keyCache, valueCache, null, position, null, (prefixKeys, prefixValues, prefixRows));

        // The reference: each row's prefix copied in front of its own positions.
        var rowsOf = new long[] { 1, 0, 1, 0 };
        for (var b = 0; b < batch; b++)
        {
            var k = Tensors.Cat([prefixKeys.Select(0, rowsOf[b]), keyCache.Select(0, b).Narrow(1, prefixLength, position + 1 - prefixLength)], 1);
            var v = Tensors.Cat([prefixValues.Select(0, rowsOf[b]), valueCache.Select(0, b).Narrow(1, prefixLength, position + 1 - prefixLength)], 1);
            var expected = F.ScaledDotProductAttention(q.Select(0, b), k.Unsqueeze(1).Expand(2, 2, position + 1, 16).Reshape(4, position + 1, 16), v.Unsqueeze(1).Expand(2, 2, position + 1, 16).Reshape(4, position + 1, 16));
            MaxDiff(attended.Select(0, b).Select(0, 0), expected.Select(1, 0)).ShouldBeLessThan(2e-6f, $"row {b}");
        }
    }

    [Fact]
    public void Decode_attention_without_rows_or_mask_runs_every_cache_row_over_every_key()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        using var generator = new Generator(8);
        var keyCache = Tensors.RandN([2, 1, 4, 8], generator: generator);
        var valueCache = Tensors.RandN([2, 1, 4, 8], generator: generator);
        var q = Tensors.RandN([2, 2, 1, 8], generator: generator);
        var newKeys = Tensors.RandN([2, 1, 1, 8], generator: generator);
        var newValues = Tensors.RandN([2, 1, 1, 8], generator: generator);

        var attended = F.DecodeAttention(q, newKeys, newValues, keyCache, valueCache, null, 3);

        var k = keyCache.Expand(2, 2, 4, 8);
        var v = valueCache.Expand(2, 2, 4, 8);
        MaxDiff(attended.Transpose(1, 2), F.ScaledDotProductAttention(q, k, v)).ShouldBeLessThan(2e-6f);
    }

    [Fact]
    public void Decode_attention_refuses_what_it_does_not_compute()
    {
        using var scope = TorchScope.NewDisposeScope();
        var cache = Tensors.Zeros([2, 1, 4, 8]);
        var q = Tensors.Zeros([2, 2, 1, 8]);
        var kv = Tensors.Zeros([2, 1, 1, 8]);
        Should.Throw<TorchException>(() => F.DecodeAttention(q, kv, kv, cache, cache, null, 4)).Message.ShouldContain("outside the cache");
        Should.Throw<TorchException>(() => F.DecodeAttention(q.To(ScalarType.Float64), kv, kv, cache, cache, null, 1)).Message.ShouldContain("float32");
        Should.Throw<TorchException>(() => F.DecodeAttention(q, kv, kv, cache, cache, Tensors.FromArray(new long[] { 0, 7 }, 2), 1)).Message.ShouldContain("outside the cache");
    }

    [Fact]
    public void Rotary_in_one_pass_equals_the_composite_rotation()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        using var generator = new Generator(9);
        var x = Tensors.RandN([2, 5, 3, 8], generator: generator).Transpose(1, 2); // [2, 3, 5, 8], strided as attention passes it
        var angles = Tensors.RandN([2, 1, 5, 4], generator: generator);
        var doubled = Tensors.Cat([angles, angles], -1);
        var (cos, sin) = (doubled.Cos(), doubled.Sin());

        var halves = x.Chunk(2, -1);
        var expected = (x * cos) + (Tensors.Cat([-halves[1], halves[0]], -1) * sin);

        MaxDiff(F.Rotary(x, cos, sin), expected).ShouldBeLessThan(1e-6f);
    }

    [Fact]
    public void Rms_norm_without_gradients_equals_the_autograd_composite()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var generator = new Generator(10);
        var x = Tensors.RandN([6, 37], generator: generator);
        var weight = Tensors.RandN([37], generator: generator);
        weight.RequiresGrad = true; // the composite, which autograd can differentiate

        var composite = F.RmsNorm(x, weight, 1e-5).Detach();
        Tensor fast;
        using (Tensors.NoGrad())
        {
            fast = F.RmsNorm(x, weight, 1e-5); // the one-pass kernel
        }

        MaxDiff(fast, composite).ShouldBeLessThan(2e-6f);
    }
}
