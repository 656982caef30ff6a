using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;
using PostTrain.Kube.Queue;

namespace PostTrain.Kube.Tests;

/// <summary>Work-queue properties: dedup, never two workers on one key, earliest AddAfter wins, backoff shape.</summary>
public sealed class WorkQueueProperties
{
    private static readonly FsCheck.Config Quick = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(200);

    /// <summary>The queue behaves like a model of client-go's queue (queue + dirty + processing sets) under any sequence of Add, Get and Done.</summary>
    [Fact]
    public void Adds_gets_and_dones_match_the_dedup_model()
    {
        var ops = Gen.ListOf(Gen.Zip(Gen.Choose(0, 2), Gen.Choose(0, 4), (op, key) => (op, key)));
        Check.One(Quick, Prop.ForAll(Arb.From(ops), sequence =>
        {
            using var queue = new WorkQueue<int>(runDelayLoop: false);
            var modelQueue = new List<int>();
            var dirty = new HashSet<int>();
            var processing = new List<int>();
            foreach (var (op, key) in sequence)
            {
                switch (op)
                {
                    case 0:
                        queue.Add(key);
                        if (dirty.Add(key) && !processing.Contains(key))
                        {
                            modelQueue.Add(key);
                        }

                        break;
                    case 1 when modelQueue.Count > 0:
                        {
                            var task = queue.TryGetAsync(CancellationToken.None);
                            if (!task.IsCompletedSuccessfully)
                            {
                                return false;
                            }

                            var (ok, item) = task.Result;
                            var expected = modelQueue[0];
                            modelQueue.RemoveAt(0);
                            dirty.Remove(expected);
                            if (!ok || item != expected || processing.Contains(item))
                            {
                                return false;
                            }

                            processing.Add(item);
                            break;
                        }

                    case 2 when processing.Count > 0:
                        {
                            var item = processing[key % processing.Count];
                            processing.Remove(item);
                            queue.Done(item);
                            if (dirty.Contains(item))
                            {
                                modelQueue.Add(item);
                            }

                            break;
                        }
                }

                if (queue.Count != modelQueue.Count || modelQueue.Distinct().Count() != modelQueue.Count)
                {
                    return false;
                }
            }

            return true;
        }));
    }

    /// <summary>With several workers and concurrent adders, no key is ever processed by two workers at once, and every added key is processed after its last add.</summary>
    [Fact]
    public void No_key_is_processed_concurrently_and_every_add_is_seen()
    {
        var adds = Gen.ListOf(Gen.Choose(0, 5));
        Check.One(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(25), Prop.ForAll(Arb.From(adds), keys =>
        {
            var list = keys.ToList();
            using var queue = new WorkQueue<int>(runDelayLoop: false);
            var active = new int[6];
            var violations = 0;
            var lastAdded = new long[6];
            var lastSeen = new long[6];
            long clock = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var (ok, key) = await queue.TryGetAsync(cts.Token);
                    if (!ok)
                    {
                        return;
                    }

                    if (Interlocked.Increment(ref active[key]) > 1)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    Interlocked.Exchange(ref lastSeen[key], Interlocked.Increment(ref clock));
                    await Task.Yield();
                    Interlocked.Decrement(ref active[key]);
                    queue.Done(key);
                }
            })).ToArray();
            Parallel.ForEach(list, key =>
            {
                Interlocked.Exchange(ref lastAdded[key], Interlocked.Increment(ref clock));
                queue.Add(key);
            });
            SpinWait.SpinUntil(() => queue.Count == 0 && active.All(a => a == 0) && list.Distinct().All(k => lastSeen[k] > lastAdded[k]), TimeSpan.FromSeconds(5));
            queue.ShutDown();
            Task.WaitAll(workers);
            return violations == 0 && list.Distinct().All(k => lastSeen[k] > lastAdded[k]);
        }));
    }

    /// <summary>However many AddAfter calls name a key, it becomes ready at the earliest due time, once.</summary>
    [Fact]
    public void The_earliest_AddAfter_wins()
    {
        var delays = Gen.NonEmptyListOf(Gen.Choose(1, 10_000));
        Check.One(Quick, Prop.ForAll(Arb.From(delays), ms =>
        {
            var list = ms.ToList();
            var time = new FakeTimeProvider();
            var start = time.GetUtcNow();
            using var queue = new WorkQueue<string>(time: time, runDelayLoop: false);
            foreach (var d in list)
            {
                queue.AddAfter("k", TimeSpan.FromMilliseconds(d));
            }

            var earliest = TimeSpan.FromMilliseconds(list.Min());
            time.SetUtcNow(start + earliest - TimeSpan.FromTicks(1));
            queue.PromoteDue();
            var notYet = queue.Count == 0 && queue.WaitingCount == 1;
            time.SetUtcNow(start + earliest);
            queue.PromoteDue();
            return notYet && queue.Count == 1 && queue.WaitingCount == 0;
        }));
    }

    [Fact]
    public void Per_item_backoff_doubles_from_5_ms_up_to_1000_s_and_forget_resets_it()
    {
        var limiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(5));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(10));
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(20));
        limiter.When("b").ShouldBe(TimeSpan.FromMilliseconds(5));
        for (var i = 0; i < 40; i++)
        {
            limiter.When("a");
        }

        limiter.When("a").ShouldBe(TimeSpan.FromSeconds(1000));
        limiter.NumRequeues("a").ShouldBe(44);
        limiter.Forget("a");
        limiter.When("a").ShouldBe(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void The_overall_token_bucket_allows_a_burst_then_spaces_retries_at_its_rate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucketRateLimiter<string>(10, 100, time);
        for (var i = 0; i < 100; i++)
        {
            bucket.When($"k{i}").ShouldBe(TimeSpan.Zero);
        }

        bucket.When("x").ShouldBe(TimeSpan.FromMilliseconds(100));
        bucket.When("y").ShouldBe(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(100));
        bucket.When("z").TotalMilliseconds.ShouldBe(200, tolerance: 0.001);
        time.Advance(TimeSpan.FromSeconds(10));
        bucket.When("refilled").ShouldBe(TimeSpan.Zero);

        var combined = RateLimiters.DefaultController<string>(new FakeTimeProvider());
        combined.When("first").ShouldBe(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public async Task Delayed_and_rate_limited_items_arrive_through_the_background_loop()
    {
        using var queue = new WorkQueue<string>(new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(1)));
        queue.AddAfter("later", TimeSpan.FromMilliseconds(300));
        queue.AddRateLimited("retry");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var first = await queue.TryGetAsync(cts.Token);
        var second = await queue.TryGetAsync(cts.Token);
        new[] { first.Item, second.Item }.ShouldBe(["retry", "later"]);
        queue.NumRequeues("retry").ShouldBe(1);
        queue.ShutDown();
        (await queue.TryGetAsync(cts.Token)).Ok.ShouldBeFalse();
    }
}
