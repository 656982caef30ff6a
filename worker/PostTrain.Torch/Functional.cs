namespace PostTrain.Torch;

/// <summary>Neural-network functions (TorchSharp's <c>torch.nn.functional</c>).</summary>
public static class Functional
{
    /// <summary>x @ weight^T + bias, weight shaped [out, in].</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        var s = NativeMethods.Linear(input.Handle, weight.Handle, bias is null ? IntPtr.Zero : bias.Handle, out var r);
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return Tensor.Wrap(s, r);
    }

    /// <summary>Rows of <paramref name="weight"/> picked by Int64 <paramref name="indices"/>; <paramref name="paddingIndex"/> gets no gradient.</summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, long paddingIndex = -1)
    {
        var s = NativeMethods.Embedding(weight.Handle, indices.Handle, paddingIndex, out var r);
        GC.KeepAlive(indices);
        GC.KeepAlive(weight);
        return Tensor.Wrap(s, r);
    }

    /// <summary>
    /// RMS normalisation over the last dimension: weight * x / sqrt(mean(x²) + eps), computed in float32 for
    /// half-precision inputs and cast back before scaling (as Llama does).
    /// </summary>
    public static Tensor RmsNorm(Tensor input, Tensor? weight, double eps = 1e-6)
    {
        var s = NativeMethods.RmsNorm(input.Handle, weight is null ? IntPtr.Zero : weight.Handle, eps, out var r);
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        return Tensor.Wrap(s, r);
    }

    /// <summary>Layer normalisation over the trailing <paramref name="normalizedShape"/> dimensions.</summary>
    public static unsafe Tensor LayerNorm(Tensor input, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        fixed (long* p = normalizedShape)
        {
            var s = NativeMethods.LayerNorm(input.Handle, p, normalizedShape.Length, weight is null ? IntPtr.Zero : weight.Handle, bias is null ? IntPtr.Zero : bias.Handle, eps, out var r);
            GC.KeepAlive(input);
            GC.KeepAlive(weight);
            GC.KeepAlive(bias);
            return Tensor.Wrap(s, r);
        }
    }

    /// <summary>softmax along a dimension.</summary>
    public static Tensor Softmax(Tensor input, long dim, ScalarType? dtype = null) => input.Softmax(dim, dtype);

    /// <summary>log(softmax) along a dimension.</summary>
    public static Tensor LogSoftmax(Tensor input, long dim, ScalarType? dtype = null) => input.LogSoftmax(dim, dtype);

    /// <summary>x * sigmoid(x).</summary>
    public static Tensor Silu(Tensor input) => input.Silu();

    /// <summary>GELU.</summary>
    public static Tensor Gelu(Tensor input, bool tanhApproximation = false) => input.Gelu(tanhApproximation);

    /// <summary>
    /// Cross entropy between logits [N, C] (or [N, C, d...]) and Int64 class targets [N] (or [N, d...]).
    /// Targets equal to <paramref name="ignoreIndex"/> contribute nothing and are excluded from the mean.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean, long ignoreIndex = -100, double labelSmoothing = 0, Tensor? weight = null)
    {
        var s = NativeMethods.CrossEntropy(logits.Handle, target.Handle, weight is null ? IntPtr.Zero : weight.Handle, (int)reduction, ignoreIndex, labelSmoothing, out var r);
        GC.KeepAlive(logits);
        GC.KeepAlive(target);
        GC.KeepAlive(weight);
        return Tensor.Wrap(s, r);
    }

    /// <summary>
    /// softmax(q kᵀ · scale + mask) v over [..., L, E] queries and [..., S, E] keys/values. A boolean
    /// <paramref name="mask"/> (broadcastable to [..., L, S]) marks the positions that may be attended; a float mask is added
    /// to the scores. <paramref name="isCausal"/> lets query i see keys 0..i (combined with the mask when both are given).
    /// Uses libtorch's fused kernel when built against libtorch 2.1 or newer, a math fallback otherwise.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? mask = null, double dropout = 0, bool isCausal = false, double? scale = null)
    {
        var s = NativeMethods.Sdpa(query.Handle, key.Handle, value.Handle, mask is null ? IntPtr.Zero : mask.Handle, dropout, isCausal ? 1 : 0, scale ?? 0, out var r);
        GC.KeepAlive(query);
        GC.KeepAlive(key);
        GC.KeepAlive(value);
        GC.KeepAlive(mask);
        return Tensor.Wrap(s, r);
    }

    /// <summary>
    /// Half-split rotary embedding in one native call, float32 on the CPU and without autograd: <c>x·cos +
    /// rotate_half(x)·sin</c> for <paramref name="x"/> [batch, heads, seq, headDim] and tables [batch, 1, seq, headDim].
    /// </summary>
    public static Tensor Rotary(Tensor x, Tensor cos, Tensor sin)
    {
        var s = NativeMethods.Rotary(x.Handle, cos.Handle, sin.Handle, out var r);
        GC.KeepAlive(x);
        GC.KeepAlive(cos);
        GC.KeepAlive(sin);
        return Tensor.Wrap(s, r);
    }

    /// <summary>
    /// One decoding step of attention in one native call, float32 on the CPU, no autograd. Writes this step's keys and
    /// values <paramref name="newKeys"/>, <paramref name="newValues"/> [rows, kvHeads, 1, headDim] into the caches
    /// <paramref name="keyCache"/>, <paramref name="valueCache"/> [batch, kvHeads, capacity, headDim] at
    /// <paramref name="position"/>, then attends <paramref name="query"/> [rows, heads, 1, headDim] over positions
    /// 0..<paramref name="position"/> (heads a multiple of kvHeads: grouped-query heads read their key/value head in
    /// place). <paramref name="rows"/> (int64 [rows]) maps each query row to its cache row (null: the same row, rows =
    /// batch); <paramref name="mask"/> [batch or 1, 1, 1, ≥ position + 1] bool, indexed by cache row, is true where a
    /// key may be attended to. Returns [rows, 1, heads, headDim]. Computes what <see cref="ScaledDotProductAttention"/>
    /// computes, without libtorch 1.13's batched matrix product, which the CPU runs as one small GEMM per (sequence,
    /// head) pair. With <paramref name="prefix"/> (keys and values [prompts, kvHeads, P, headDim] and int64 [batch], the
    /// prefix row of each cache row), positions below P are read from the shared prefix instead of the cache.
    /// </summary>
    public static Tensor DecodeAttention(Tensor query, Tensor newKeys, Tensor newValues, Tensor keyCache, Tensor valueCache, Tensor? rows, long position, Tensor? mask = null, (Tensor Keys, Tensor Values, Tensor Rows)? prefix = null, double? scale = null)
    {
        var s = NativeMethods.AttentionDecode(query.Handle, newKeys.Handle, newValues.Handle, keyCache.Handle, valueCache.Handle, rows is null ? IntPtr.Zero : rows.Handle, position, mask is null ? IntPtr.Zero : mask.Handle,
            prefix?.Keys.Handle ?? IntPtr.Zero, prefix?.Values.Handle ?? IntPtr.Zero, prefix?.Rows.Handle ?? IntPtr.Zero, scale ?? 0, out var r);
        GC.KeepAlive(prefix?.Keys);
        GC.KeepAlive(prefix?.Values);
        GC.KeepAlive(prefix?.Rows);
        GC.KeepAlive(query);
        GC.KeepAlive(newKeys);
        GC.KeepAlive(newValues);
        GC.KeepAlive(keyCache);
        GC.KeepAlive(valueCache);
        GC.KeepAlive(rows);
        GC.KeepAlive(mask);
        return Tensor.Wrap(s, r);
    }

    /// <summary>
    /// Causal attention over sequences packed into one row without padding, float32 on the CPU, in one native call per
    /// direction (forward, and backward through autograd). <paramref name="query"/> [heads, tokens, headDim],
    /// <paramref name="key"/> and <paramref name="value"/> [kvHeads, tokens, headDim] (heads a multiple of kvHeads:
    /// grouped-query heads read their key/value head in place); <paramref name="cuSeqlens"/> int64 [sequences + 1] on the
    /// CPU, 0 first and tokens last: sequence s holds positions cuSeqlens[s] to cuSeqlens[s + 1] − 1, and a query sees
    /// the keys of its own sequence up to itself. Returns [tokens, heads, headDim] (the output projection's layout).
    /// Computes what <see cref="ScaledDotProductAttention"/> with a causal mask computes on each sequence alone, without
    /// padding, masks, or a batched matrix product per (sequence, head). With <paramref name="rotary"/> (cos and sin
    /// tables of tokens × headDim floats, such as RotaryEmbedding's [1, 1, tokens, headDim]), the query and key are
    /// rotated inside the kernel first, as the half-split rotary embedding rotates them, and their gradients flow to the
    /// unrotated inputs.
    /// </summary>
    public static Tensor VarlenCausalAttention(Tensor query, Tensor key, Tensor value, Tensor cuSeqlens, (Tensor Cos, Tensor Sin)? rotary = null, double? scale = null)
    {
        var s = NativeMethods.VarlenAttention(query.Handle, key.Handle, value.Handle, cuSeqlens.Handle, rotary?.Cos.Handle ?? IntPtr.Zero, rotary?.Sin.Handle ?? IntPtr.Zero, scale ?? 0, out var r);
        GC.KeepAlive(query);
        GC.KeepAlive(key);
        GC.KeepAlive(value);
        GC.KeepAlive(cuSeqlens);
        GC.KeepAlive(rotary?.Cos);
        GC.KeepAlive(rotary?.Sin);
        return Tensor.Wrap(s, r);
    }

    /// <summary>Zeroes elements with probability <paramref name="p"/> and rescales the rest, when <paramref name="training"/>.</summary>
    public static Tensor Dropout(Tensor input, double p, bool training)
    {
        var s = NativeMethods.Dropout(input.Handle, p, training ? 1 : 0, out var r);
        GC.KeepAlive(input);
        return Tensor.Wrap(s, r);
    }
}
