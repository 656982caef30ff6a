namespace PostTrain.Trainer.Data;

/// <summary>
/// SplitMix64, a small fully specified generator: unlike <see cref="Random"/> with a seed, its sequence is part of this
/// code, so seeded data and shuffles never change with the runtime.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>Creates a generator from a seed.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var r = Next();
            if (r >= threshold)
            {
                return r % bound;
            }
        }
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>] (both inclusive).</summary>
    public int NextInclusive(int min, int max)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(min, max);
        return min + (int)NextBelow((ulong)((long)max - min + 1));
    }
}
