using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Tests.Data;

public sealed class ReservoirSampleTests
{
    private static IReadOnlyList<int> Sample(int size, int count, long seed)
    {
        var sample = new ReservoirSample<int>(size, seed);
        for (var i = 0; i < count; i++)
        {
            sample.Add(i);
        }

        return sample.ToList();
    }

    [Fact]
    public void A_sample_is_distinct_in_stream_order_fixed_by_the_seed_and_not_the_first_items()
    {
        var first = Sample(50, 1000, seed: 42);

        first.Count.ShouldBe(50);
        first.Distinct().Count().ShouldBe(50);
        first.ShouldBe(first.Order());
        first.ShouldNotBe(Enumerable.Range(0, 50));
        Sample(50, 1000, seed: 42).ShouldBe(first);
        Sample(50, 1000, seed: 43).ShouldNotBe(first);
        first.Max().ShouldBeGreaterThan(500);
    }

    [Fact]
    public void The_sequence_of_a_seed_is_pinned_so_a_run_draws_the_same_records_on_every_machine()
    {
        // SplitMix64 and algorithm R are fully specified here: a change to either changes which records a job trains on.
        Sample(5, 20, seed: 7).ShouldBe(Sample(5, 20, seed: 7));
        Sample(5, 20, seed: 7).ShouldBe([0, 6, 7, 15, 19]);
    }

    [Fact]
    public void Every_item_is_equally_likely_to_be_drawn()
    {
        // 4000 seeds, 10 of 40 items: each item is expected 1000 times; chi-square over 39 degrees of freedom stays far
        // below 80 (p < 0.0001) for a uniform sampler, and the draw is deterministic, so the test cannot flake.
        var counts = new int[40];
        for (var seed = 0; seed < 4000; seed++)
        {
            foreach (var item in Sample(10, 40, seed))
            {
                counts[item]++;
            }
        }

        var chiSquare = counts.Sum(c => (c - 1000.0) * (c - 1000.0) / 1000.0);
        chiSquare.ShouldBeLessThan(80);
    }

    [Fact]
    public void A_sample_at_least_as_large_as_the_stream_is_the_whole_stream()
    {
        Sample(10, 7, seed: 1).ShouldBe(Enumerable.Range(0, 7));
        Sample(0, 7, seed: 1).ShouldBeEmpty();
    }
}
