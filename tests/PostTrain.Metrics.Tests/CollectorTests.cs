using System.Diagnostics.Metrics;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

public sealed class CollectorTests
{
    private static (Meter Meter, PrometheusCollector Collector) Create(Action<PrometheusOptions>? configure = null)
    {
        var meter = new Meter($"PostTrain.Tests.Collector.{Guid.NewGuid():N}");
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        configure?.Invoke(options);
        return (meter, new PrometheusCollector(options));
    }

    private static async Task<IReadOnlyList<ParsedFamily>> ScrapeAsync(PrometheusCollector collector, ExpositionFormat format = ExpositionFormat.PrometheusText) =>
        ExpositionValidator.Validate(await collector.ScrapeAsync(format), format);

    [Fact]
    public async Task Tag_order_does_not_split_a_series_and_counters_ignore_negative_increments()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            var counter = meter.CreateCounter<int>("posttrain.things");
            counter.Add(1, new("b", "2"), new("a", "1"));
            counter.Add(2, new("a", "1"), new("b", "2"));
            counter.Add(-10, new("a", "1"), new("b", "2"));

            var families = await ScrapeAsync(collector);

            families.Value("posttrain_things_total", "a=1,b=2").ShouldBe(3);
            families.Single().Samples.Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task A_meter_filter_keeps_another_meter_of_the_same_name_out()
    {
        // Two operator hosts in one test process: each has a meter named PostTrain.Operator and must expose only its own.
        var (mine, collector) = Create();
        using var other = new Meter(mine.Name);
        using (mine)
        using (collector)
        using (var filtered = new PrometheusCollector(Options(mine)))
        {
            mine.CreateObservableGauge("posttrain.jobs", () => 1L);
            other.CreateObservableGauge("posttrain.jobs", () => 5L, unit: "{job}");

            (await ScrapeAsync(filtered)).Value("posttrain_jobs", "").ShouldBe(1);
            (await ScrapeAsync(collector)).Single().Samples.Count.ShouldBeGreaterThanOrEqualTo(1, "without a filter both meters are collected");
        }

        static PrometheusOptions Options(Meter meter)
        {
            var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false, MeterFilter = m => ReferenceEquals(m, meter) };
            options.Meters.Add(meter.Name);
            return options;
        }
    }

    [Fact]
    public async Task Tag_values_of_every_common_type_become_invariant_label_values()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            var gauge = meter.CreateGauge<double>("posttrain.value");
            gauge.Record(1, new("int", 42), new("double", 0.5), new("bool", true), new("null", null), new("enum", DayOfWeek.Monday), new("", "dropped"));

            var sample = (await ScrapeAsync(collector)).Single().Samples.Single();

            sample.LabelKey.ShouldBe("bool=true,double=0.5,enum=Monday,int=42,null=");
        }
    }

    [Fact]
    public async Task Tags_that_sanitise_to_the_same_label_keep_one_value_so_the_exposition_stays_valid()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            meter.CreateCounter<long>("posttrain.dupes").Add(1, new("a.b", "dot"), new("a_b", "underscore"));

            var sample = (await ScrapeAsync(collector)).Single().Samples.Single();

            sample.Labels.Keys.ShouldBe(["a_b"]);
        }
    }

    [Fact]
    public void Any_label_value_survives_escaping_and_parsing() =>
        Prop.ForAll<string>(value =>
        {
            var (meter, collector) = Create();
            using (meter)
            using (collector)
            {
                var text = value ?? "";
                meter.CreateCounter<long>("posttrain.escaped").Add(1, new KeyValuePair<string, object?>("v", text));
                foreach (var format in new[] { ExpositionFormat.PrometheusText, ExpositionFormat.OpenMetrics })
                {
                    var sample = ExpositionValidator.Validate(collector.ScrapeAsync(format).GetAwaiter().GetResult(), format).Single().Samples.Single();
                    if (sample.Labels["v"] != text)
                    {
                        return false;
                    }
                }

                return true;
            }
        }).QuickCheckThrowOnFailure();

    [Fact]
    public async Task Observable_series_that_a_callback_stops_reporting_leave_the_exposition()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            var phases = new Dictionary<string, long> { ["Running"] = 2, ["Pending"] = 1 };
            meter.CreateObservableGauge("posttrain.jobs", () => phases.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("phase", p.Key))).ToArray());

            (await ScrapeAsync(collector)).Single().Samples.Count.ShouldBe(2);
            phases.Remove("Pending");
            phases["Running"] = 3;

            var samples = (await ScrapeAsync(collector)).Single().Samples;
            samples.Count.ShouldBe(1);
            samples[0].Value.ShouldBe(3);
        }
    }

    [Fact]
    public async Task Histogram_buckets_come_from_options_then_advice_then_defaults()
    {
        var (meter, collector) = Create(o =>
        {
            o.HistogramBuckets["h.override"] = [1, 2];
            o.DefaultHistogramBuckets = [10];
        });
        using (meter)
        using (collector)
        {
            var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 6, 7] };
            meter.CreateHistogram("h.override", unit: null, description: null, tags: null, advice).Record(1);
            meter.CreateHistogram("h.advised", unit: null, description: null, tags: null, advice).Record(1);
            meter.CreateHistogram<long>("h.default").Record(1);

            var families = await ScrapeAsync(collector);

            string[] Les(string family) => families.Single(f => f.Name == family).Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => s.Labels["le"]).ToArray();
            Les("h_override").ShouldBe(["1", "2", "+Inf"]);
            Les("h_advised").ShouldBe(["5", "6", "7", "+Inf"]);
            Les("h_default").ShouldBe(["10", "+Inf"]);
        }
    }

    [Fact]
    public async Task Histogram_observations_land_in_the_first_bucket_whose_bound_is_not_below_them()
    {
        var (meter, collector) = Create(o => o.HistogramBuckets["h"] = [1, 2]);
        using (meter)
        using (collector)
        {
            var histogram = meter.CreateHistogram<double>("h");
            foreach (var v in new[] { 0.5, 1.0, 1.5, 2.0, 3.0, double.NaN })
            {
                histogram.Record(v);
            }

            var families = await ScrapeAsync(collector);

            families.Value("h_bucket", "le=1").ShouldBe(2);
            families.Value("h_bucket", "le=2").ShouldBe(4);
            families.Value("h_bucket", "le=+Inf").ShouldBe(5);
            families.Value("h_count").ShouldBe(5);
            families.Value("h_sum").ShouldBe(8);
        }
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new[] { 2.0, 1.0 })]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 1.0, double.PositiveInfinity })]
    public void Bad_bucket_options_are_rejected_naming_the_instrument(double[] bounds)
    {
        var options = new PrometheusOptions();
        options.HistogramBuckets["posttrain.step.duration"] = bounds;

        var error = Should.Throw<ArgumentException>(() => new PrometheusCollector(options));

        error.Message.ShouldContain("HistogramBuckets[\"posttrain.step.duration\"]");
    }

    [Fact]
    public void Missing_default_buckets_are_rejected_with_the_option_name() =>
        Should.Throw<ArgumentException>(() => new PrometheusCollector(new PrometheusOptions { DefaultHistogramBuckets = null! }))
            .Message.ShouldContain("DefaultHistogramBuckets");

    [Fact]
    public async Task Instruments_whose_name_clashes_with_another_type_are_ignored_and_reported()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            meter.CreateCounter<long>("posttrain.clash").Add(1);
            meter.CreateGauge<long>("posttrain.clash_total").Record(5);

            var families = await ScrapeAsync(collector);

            families.Single().Type.ShouldBe("counter");
            collector.IgnoredInstruments.Single().ShouldContain("posttrain.clash_total");
        }
    }

    [Fact]
    public async Task A_disposed_meter_leaves_the_exposition_and_other_meters_are_never_collected()
    {
        var (meter, collector) = Create();
        using var other = new Meter($"PostTrain.Tests.Other.{Guid.NewGuid():N}");
        using (collector)
        {
            other.CreateCounter<long>("not.collected").Add(1);
            meter.CreateCounter<long>("posttrain.gone").Add(1);
            (await ScrapeAsync(collector)).Select(f => f.Name).ShouldBe(["posttrain_gone_total"]);

            meter.Dispose();

            (await ScrapeAsync(collector)).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task Meter_wildcards_take_every_meter_under_a_prefix()
    {
        var prefix = $"PostTrain.Tests.Wild{Guid.NewGuid():N}";
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        options.Meters.Add(prefix + ".*");
        using var collector = new PrometheusCollector(options);
        using var a = new Meter(prefix + ".A");
        using var b = new Meter(prefix + "X.B");
        a.CreateCounter<long>("in").Add(1);
        b.CreateCounter<long>("out").Add(1);

        (await ScrapeAsync(collector)).Select(f => f.Name).ShouldBe(["in_total"]);
    }

    [Fact]
    public async Task Special_values_use_the_Prometheus_spellings()
    {
        var (meter, collector) = Create();
        using (meter)
        using (collector)
        {
            var gauge = meter.CreateGauge<double>("g");
            gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("v", "inf"));
            gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("v", "-inf"));
            gauge.Record(1e-7, new KeyValuePair<string, object?>("v", "tiny"));

            var text = await collector.ScrapeAsync(ExpositionFormat.PrometheusText);

            text.ShouldContain("g{v=\"inf\"} +Inf\n");
            text.ShouldContain("g{v=\"-inf\"} -Inf\n");
            text.ShouldContain("g{v=\"tiny\"} 1E-07\n");
            ExpositionValidator.Validate(text, ExpositionFormat.PrometheusText).Value("g", "v=tiny").ShouldBe(1e-7);
        }
    }

    [Fact]
    public async Task Scraping_after_dispose_throws()
    {
        var (meter, collector) = Create();
        using (meter)
        {
            collector.Dispose();
            await Should.ThrowAsync<ObjectDisposedException>(() => collector.ScrapeAsync(ExpositionFormat.PrometheusText));
        }
    }
}
