namespace PostTrain.Trainer.Data;

/// <summary>
/// A uniform sample of <c>size</c> items without replacement from a stream of unknown length (reservoir sampling,
/// Vitter's algorithm R) on <see cref="SplitMix64"/>: the same seed and the same items give the same sample on every
/// machine and run, holding only <c>size</c> items at a time. The sample keeps the items' stream order.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ReservoirSample<T>
{
    // Mixed into the seed so that the sample does not repeat the choices of other generators seeded with the job's seed.
    private const ulong Salt = 0xD1B54A32D192ED03UL;
    private readonly List<(long Index, T Item)> _reservoir;
    private readonly SplitMix64 _random;
    private readonly int _size;

    /// <summary>Creates an empty sample of at most <paramref name="size"/> items.</summary>
    public ReservoirSample(int size, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _size = size;
        _reservoir = new List<(long, T)>(Math.Min(size, 1 << 16));
        _random = new SplitMix64(unchecked((ulong)seed) ^ Salt);
    }

    /// <summary>How many items were offered.</summary>
    public long Seen { get; private set; }

    /// <summary>Offers the next item of the stream.</summary>
    public void Add(T item)
    {
        var index = Seen++;
        if (_reservoir.Count < _size)
        {
            _reservoir.Add((index, item));
            return;
        }

        if (_size == 0)
        {
            return;
        }

        var slot = _random.NextBelow((ulong)Seen);
        if (slot < (ulong)_size)
        {
            _reservoir[(int)slot] = (index, item);
        }
    }

    /// <summary>The sampled items in the order they were offered.</summary>
    public IReadOnlyList<T> ToList() => [.. _reservoir.OrderBy(e => e.Index).Select(e => e.Item)];
}
