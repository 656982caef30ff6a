using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Models;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, preallocated to a capacity so each decoding step
/// writes in place instead of concatenating. Owns its tensors; dispose it when generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates room for <paramref name="capacity"/> positions of a batch.</summary>
    public KvCache(ModelConfig config, long batch, long capacity, ScalarType dtype, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = TorchOps.Zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            _values[i] = TorchOps.Zeros([batch, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            _keys[i].DetachFromDisposeScope();
            _values[i].DetachFromDisposeScope();
        }
    }

    /// <summary>Positions the cache can hold.</summary>
    public long Capacity { get; }

    /// <summary>Positions filled so far (the same for every layer once a forward pass has finished).</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Writes the new keys and values [batch, kvHeads, t, headDim] of <paramref name="layer"/> after the current length and
    /// returns views of everything cached for that layer, [batch, kvHeads, length + t, headDim].
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var t = keys.Shape[2];
        if (Length + t > Capacity)
        {
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}");
        }

        using (TorchOps.NoGrad())
        {
            _keys[layer].Narrow(2, Length, t).CopyFrom(keys);
            _values[layer].Narrow(2, Length, t).CopyFrom(values);
        }

        return (_keys[layer].Narrow(2, 0, Length + t), _values[layer].Narrow(2, 0, Length + t));
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
    }
}
