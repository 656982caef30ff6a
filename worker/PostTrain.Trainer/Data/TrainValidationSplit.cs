namespace PostTrain.Trainer.Data;

/// <summary>Splits a dataset into disjoint train and validation parts after a seeded shuffle.</summary>
public static class TrainValidationSplit
{
    /// <summary>
    /// Shuffles with <paramref name="seed"/> and puts <c>round(count × validationFraction)</c> items (at least one when
    /// the fraction is positive and there are two or more items) in validation, the rest in train.
    /// </summary>
    public static (IReadOnlyList<T> Train, IReadOnlyList<T> Validation) Split<T>(IEnumerable<T> items, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (double.IsNaN(validationFraction) || validationFraction < 0 || validationFraction >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "the validation fraction must be in [0, 1)");
        }

        var shuffled = SeededShuffle.Shuffle(items, seed);
        var validationCount = (int)Math.Round(shuffled.Count * validationFraction, MidpointRounding.AwayFromZero);
        if (validationFraction > 0 && validationCount == 0 && shuffled.Count >= 2)
        {
            validationCount = 1;
        }

        validationCount = Math.Min(validationCount, Math.Max(0, shuffled.Count - 1));
        return (shuffled.Skip(validationCount).ToList(), shuffled.Take(validationCount).ToList());
    }
}
