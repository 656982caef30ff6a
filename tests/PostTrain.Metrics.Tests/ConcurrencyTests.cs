using System.Diagnostics.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>Measurements racing with scrapes must never yield a torn or invalid exposition.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Updates_racing_with_scrapes_always_give_valid_consistent_expositions()
    {
        using var meter = new Meter($"PostTrain.Tests.Race.{Guid.NewGuid():N}");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        options.HistogramBuckets["race.latency"] = [0.1, 0.2, 0.5, 1];
        using var collector = new PrometheusCollector(options);

        var counter = meter.CreateCounter<long>("race.events");
        var histogram = meter.CreateHistogram<double>("race.latency", "s");
        var upDown = meter.CreateUpDownCounter<int>("race.inflight");
        var gauge = meter.CreateGauge<double>("race.level");
        var observed = 0L;
        meter.CreateObservableCounter("race.observed", () => Interlocked.Read(ref observed));

        const int writers = 4;
        const int perWriter = 20_000;
        const int scrapers = 4;
        using var done = new CancellationTokenSource();

        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                // New series keep appearing while scrapes run (tag values grow with i).
                var shard = new KeyValuePair<string, object?>("shard", (i / 100) % 40);
                var writer = new KeyValuePair<string, object?>("writer", w);
                counter.Add(1, writer, shard);
                histogram.Record((i % 12) / 10.0, shard);
                upDown.Add(1, writer);
                upDown.Add(-1, writer);
                gauge.Record(i, writer);
                Interlocked.Increment(ref observed);
            }
        })).ToArray();

        var scrapeCount = 0;
        var scraperTasks = Enumerable.Range(0, scrapers).Select(s => Task.Run(async () =>
        {
            var format = s % 2 == 0 ? ExpositionFormat.PrometheusText : ExpositionFormat.OpenMetrics;
            var lastTotal = 0.0;
            while (!done.IsCancellationRequested)
            {
                var families = ExpositionValidator.Validate(await collector.ScrapeAsync(format), format);
                Interlocked.Increment(ref scrapeCount);

                // Counters only grow from one scrape to the next.
                var total = families.Where(f => f.Name.StartsWith("race_events", StringComparison.Ordinal)).SelectMany(f => f.Samples).Sum(x => x.Value);
                total.ShouldBeGreaterThanOrEqualTo(lastTotal);
                lastTotal = total;
                foreach (var inflight in families.Where(f => f.Name == "race_inflight").SelectMany(f => f.Samples))
                {
                    inflight.Value.ShouldBeInRange(0, 1);
                }
            }
        })).ToArray();

        await Task.WhenAll(writerTasks);
        await done.CancelAsync();
        await Task.WhenAll(scraperTasks);

        scrapeCount.ShouldBeGreaterThan(scrapers);
        var final = ExpositionValidator.Validate(await collector.ScrapeAsync(ExpositionFormat.PrometheusText), ExpositionFormat.PrometheusText);
        final.Single(f => f.Name == "race_events_total").Samples.Sum(x => x.Value).ShouldBe(writers * perWriter);
        final.Single(f => f.Name == "race_latency_seconds").Samples.Where(x => x.Name == "race_latency_seconds_count").Sum(x => x.Value).ShouldBe(writers * perWriter);
        final.Value("race_observed_total").ShouldBe(writers * perWriter);
        final.Single(f => f.Name == "race_inflight").Samples.ShouldAllBe(x => x.Value == 0);
        final.Single(f => f.Name == "race_events_total").Samples.Count.ShouldBe(writers * 40);
    }
}
