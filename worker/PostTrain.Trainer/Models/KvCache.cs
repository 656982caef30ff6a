using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, preallocated to a capacity so each decoding step
/// writes in place instead of concatenating. Owns its tensors; dispose it when generation ends.
/// </summary>
/// <remarks>
/// With <see cref="PerQueryHead"/>, a grouped-query model's keys and values are stored once per query head (each
/// key/value head repeated for the query heads that share it) when they are appended, so attention reads the cache in
/// place. Otherwise every decoding step would expand the whole cache to the query heads, a copy of every cached
/// position per layer and token that dominates small models' decoding on a CPU. Attention then computes exactly what
/// it computes from the expanded copy (the same matrix products over the same operands), for
/// <c>group</c> times the memory.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int _kvHeads;
    private readonly int _group;
    private KvCache? _prefix;
    private Tensor? _prefixRows;

    /// <summary>
    /// Allocates room for <paramref name="capacity"/> positions of a batch; <paramref name="perQueryHead"/> stores
    /// grouped-query keys and values per query head (see <see cref="PerQueryHead"/>).
    /// </summary>
    public KvCache(ModelConfig config, long batch, long capacity, ScalarType dtype, Device? device = null, bool perQueryHead = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        Capacity = capacity;
        _kvHeads = config.NumKeyValueHeads;
        PerQueryHead = perQueryHead && config.NumAttentionHeads != config.NumKeyValueHeads;
        _group = PerQueryHead ? config.NumAttentionHeads / config.NumKeyValueHeads : 1;
        var heads = (long)_kvHeads * _group;
        DecodesInPlace = !PerQueryHead && dtype == ScalarType.Float32 && (device ?? Device.Cpu) == Device.Cpu;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            // Uninitialised: a position is written before anything reads it (reads stop at Length).
            _keys[i] = TorchOps.Empty([batch, heads, capacity, config.HeadDim], dtype, device);
            _values[i] = TorchOps.Empty([batch, heads, capacity, config.HeadDim], dtype, device);
            _keys[i].DetachFromDisposeScope();
            _values[i].DetachFromDisposeScope();
        }
    }

    /// <summary>
    /// True when keys and values are stored per query head: <see cref="Append"/> then returns
    /// [batch, queryHeads, length, headDim], already expanded for grouped-query attention.
    /// </summary>
    public bool PerQueryHead { get; }

    /// <summary>
    /// True when a decoding step can write and attend in place through <see cref="Decode"/>: float32 on the CPU, keys
    /// and values stored per key/value head.
    /// </summary>
    public bool DecodesInPlace { get; }

    /// <summary>
    /// The cache row of each row of the batch being decoded (int64 [rows]), when generation has dropped finished rows
    /// from the batch; null while row i is cache row i. Only <see cref="Decode"/> reads it.
    /// </summary>
    public Tensor? Rows { get; set; }

    /// <summary>Positions the cache can hold.</summary>
    public long Capacity { get; }

    /// <summary>Positions filled so far (the same for every layer once a forward pass has finished).</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Writes the new keys and values [batch, kvHeads, t, headDim] of <paramref name="layer"/> after the current length and
    /// returns views of everything cached for that layer, [batch, kvHeads, length + t, headDim] (query heads instead of
    /// kvHeads with <see cref="PerQueryHead"/>).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var t = keys.Shape[2];
        if (Rows is not null || _prefix is not null)
        {
            throw new InvalidOperationException("a cache whose rows were remapped or whose prefix is shared is only appended to through Decode");
        }

        if (Length + t > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}");
        }

        using (TorchOps.NoGrad())
        {
            Slot(_keys[layer], t).CopyFrom(PerQueryHead ? keys.Unsqueeze(2) : keys);
            Slot(_values[layer], t).CopyFrom(PerQueryHead ? values.Unsqueeze(2) : values);
        }

        return (_keys[layer].Narrow(2, 0, Length + t), _values[layer].Narrow(2, 0, Length + t));
    }

    /// <summary>
    /// One decoding step of <paramref name="layer"/> where <see cref="DecodesInPlace"/>: writes the new keys and values
    /// [rows, kvHeads, 1, headDim] after the current length (into the cache rows <see cref="Rows"/> names) and returns
    /// the attention of <paramref name="queries"/> [rows, heads, 1, headDim] over everything cached for those rows,
    /// [rows, 1, heads, headDim] (see <see cref="Functional.DecodeAttention"/>). <paramref name="mask"/>
    /// [batch or 1, 1, 1, length + 1] is indexed by cache row.
    /// </summary>
    public Tensor Decode(int layer, Tensor queries, Tensor keys, Tensor values, Tensor? mask)
    {
        if (!DecodesInPlace)
        {
            throw new InvalidOperationException("this cache does not decode in place (float32 on the CPU only)");
        }

        if (Length + 1 > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + 1 positions exceed its capacity {Capacity}");
        }

        return Functional.DecodeAttention(queries, keys, values, _keys[layer], _values[layer], Rows, Length, mask,
            _prefix is null ? null : (_prefix._keys[layer].Narrow(2, 0, _prefix.Length), _prefix._values[layer].Narrow(2, 0, _prefix.Length), _prefixRows!));
    }

    /// <summary>
    /// Where the next <paramref name="t"/> positions go: [batch, kvHeads, t, headDim], or with
    /// <see cref="PerQueryHead"/> [batch, kvHeads, group, t, headDim] (a view of the query heads that share each
    /// key/value head, which the new keys broadcast over).
    /// </summary>
    private Tensor Slot(Tensor cached, long t)
    {
        var slot = cached.Narrow(2, Length, t);
        if (!PerQueryHead)
        {
            return slot;
        }

        var shape = slot.Shape;
        return slot.View(shape[0], _kvHeads, _group, t, shape[3]);
    }

    /// <summary>
    /// Fills this cache's rows from rows of <paramref name="source"/> (same model and layout): row i gets
    /// <paramref name="rows"/>[i] of the source (int64 [batch]), for every position the source holds, and the length
    /// becomes the source's. Generation uses it to prefill each distinct prompt once and share it with its copies.
    /// </summary>
    public void CopyRowsFrom(KvCache source, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rows);
        if (Length != 0 || source.Length > Capacity || source._keys.Length != _keys.Length || source.PerQueryHead != PerQueryHead)
        {
            throw new InvalidOperationException("rows can only be copied into an empty cache of the same layout and enough capacity");
        }

        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = TorchOps.NoGrad();
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i].Narrow(2, 0, source.Length).CopyFrom(source._keys[i].Narrow(2, 0, source.Length).IndexSelect(0, rows));
            _values[i].Narrow(2, 0, source.Length).CopyFrom(source._values[i].Narrow(2, 0, source.Length).IndexSelect(0, rows));
        }

        Length = source.Length;
    }

    /// <summary>
    /// Where <see cref="DecodesInPlace"/>, the copy-free form of <see cref="CopyRowsFrom"/>: the positions
    /// <paramref name="source"/> holds are read from it (row <paramref name="rows"/>[i] for row i) instead of being
    /// copied into every row, so a prompt shared by a group of rows is stored, and read from memory, once. This cache
    /// takes ownership of <paramref name="source"/> and keeps a copy of <paramref name="rows"/>.
    /// </summary>
    public void SharePrefix(KvCache source, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rows);
        if (!DecodesInPlace || !source.DecodesInPlace || Length != 0 || source.Length > Capacity || source._keys.Length != _keys.Length)
        {
            throw new InvalidOperationException("a prefix can only be shared into an empty cache that decodes in place, of the same layout and enough capacity");
        }

        _prefix = source;
        _prefixRows = rows.Clone().DetachFromDisposeScope();
        Length = source.Length;
    }

    /// <summary>Marks <paramref name="t"/> more positions as filled; called once per forward pass after every layer appended.</summary>
    public void Advance(long t) => Length += t;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }

        _prefix?.Dispose();
        _prefixRows?.Dispose();
    }
}
