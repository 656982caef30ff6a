using FsCheck;
using FsCheck.Fluent;
using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Tests.Data;

public class ShuffleAndSplitTests
{
    [Fact]
    public void Shuffle_is_a_permutation_and_deterministic_per_seed()
    {
        Prop.ForAll<int[], int>((items, seed) =>
        {
            var a = SeededShuffle.Shuffle(items, seed);
            var b = SeededShuffle.Shuffle(items, seed);
            return a.SequenceEqual(b) && a.Order().SequenceEqual(items.Order());
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Shuffle_order_is_pinned_so_it_never_changes_with_the_runtime()
    {
        // SplitMix64 seeded with 0: its first outputs are fixed by the algorithm.
        new SplitMix64(0).Next().ShouldBe(0xE220A8397B1DCDAFUL);
        // The orders below were computed independently, by a 20-line Python re-implementation of SplitMix64 (Vigna's
        // reference constants), rejection sampling below a bound ((2^64 - bound) % bound threshold) and Fisher-Yates
        // from the last index down; the seed is the int's bits as an unsigned 32-bit value. They are not read back from
        // this code, so a change to the generator, the sampling or the swap order fails here.
        SeededShuffle.Shuffle(Enumerable.Range(0, 10), 42).ShouldBe([0, 9, 5, 8, 6, 4, 7, 2, 1, 3]);
        SeededShuffle.Shuffle(Enumerable.Range(0, 10), 43).ShouldBe([4, 2, 5, 6, 1, 3, 9, 8, 7, 0]);
        SeededShuffle.Shuffle(Enumerable.Range(0, 10), -1).ShouldBe([5, 9, 4, 7, 8, 2, 1, 3, 6, 0]);
    }

    [Fact]
    public void Split_is_disjoint_covers_everything_and_sizes_the_validation_part()
    {
        var (train, validation) = TrainValidationSplit.Split(Enumerable.Range(0, 100), 0.1, seed: 5);
        validation.Count.ShouldBe(10);
        train.Count.ShouldBe(90);
        train.Concat(validation).Order().ShouldBe(Enumerable.Range(0, 100));

        TrainValidationSplit.Split(Enumerable.Range(0, 5), 0.01, 1).Validation.Count.ShouldBe(1);
        TrainValidationSplit.Split(Enumerable.Range(0, 1), 0.5, 1).Train.Count.ShouldBe(1);
        TrainValidationSplit.Split(Enumerable.Range(0, 5), 0, 1).Validation.ShouldBeEmpty();
        Should.Throw<ArgumentOutOfRangeException>(() => TrainValidationSplit.Split(Enumerable.Range(0, 5), 1.0, 1));
    }

    [Fact]
    public void Split_property_holds_for_any_input()
    {
        Prop.ForAll<int[], int>((items, seed) =>
        {
            var (train, validation) = TrainValidationSplit.Split(items, 0.2, seed);
            return train.Count + validation.Count == items.Length && train.Concat(validation).Order().SequenceEqual(items.Order());
        }).QuickCheckThrowOnFailure();
    }
}
