using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Training;

/// <summary>
/// A fresh seeded permutation of a dataset per epoch, so the item at a global index is fixed by (seed, index) alone:
/// a resumed run draws exactly what the uninterrupted run would have.
/// </summary>
public sealed class EpochOrder(int count, ulong seed)
{
    private readonly Dictionary<long, int[]> _epochs = [];

    /// <summary>The dataset index at global position <paramref name="index"/>.</summary>
    public int At(long index)
    {
        var epoch = index / count;
        if (!_epochs.TryGetValue(epoch, out var permutation))
        {
            permutation = [.. SeededShuffle.Shuffle(Enumerable.Range(0, count), unchecked((int)(seed + (ulong)epoch)))];
            _epochs.Clear(); // only the current epoch is ever needed again
            _epochs[epoch] = permutation;
        }

        return permutation[index % count];
    }
}
