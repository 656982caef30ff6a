namespace PostTrain.Trainer.Data;

/// <summary>Deterministic Fisher–Yates shuffling: the same seed gives the same order on every machine and .NET version.</summary>
public static class SeededShuffle
{
    /// <summary>Returns a shuffled copy of <paramref name="items"/>; the input is not changed.</summary>
    public static IReadOnlyList<T> Shuffle<T>(IEnumerable<T> items, int seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        var copy = items.ToArray();
        var rng = new SplitMix64((ulong)(uint)seed);
        for (var i = copy.Length - 1; i > 0; i--)
        {
            var j = (int)rng.NextBelow((ulong)(i + 1));
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }

        return copy;
    }
}
