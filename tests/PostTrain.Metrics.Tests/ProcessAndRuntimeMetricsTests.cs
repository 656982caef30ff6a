using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

public sealed class ProcessAndRuntimeMetricsTests
{
    [Fact]
    public async Task Process_and_runtime_families_are_exposed_with_Prometheus_names()
    {
        using var collector = new PrometheusCollector(new PrometheusOptions());
        GC.Collect();

        var families = ExpositionValidator.Validate(await collector.ScrapeAsync(ExpositionFormat.PrometheusText), ExpositionFormat.PrometheusText);
        var names = families.Select(f => f.Name).ToHashSet();

        names.ShouldContain("process_cpu_seconds_total");
        names.ShouldContain("process_resident_memory_bytes");
        names.ShouldContain("process_virtual_memory_bytes");
        names.ShouldContain("process_start_time_seconds");
        names.ShouldContain("process_open_fds");
        names.ShouldContain("process_max_fds");
        names.ShouldContain("process_num_threads");
        names.ShouldContain("dotnet_gc_collections_total");
        names.ShouldContain("dotnet_gc_heap_total_allocated_bytes_total");
        families.Value("process_resident_memory_bytes").ShouldBeGreaterThan(1_000_000);
        families.Value("process_cpu_seconds_total").ShouldBeGreaterThan(0);
        families.Value("process_open_fds").ShouldBeGreaterThan(2);
        families.Value("process_start_time_seconds").ShouldBeInRange(DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        families.Single(f => f.Name == "dotnet_gc_collections_total").Samples.Sum(s => s.Value).ShouldBeGreaterThan(0);
        ExpositionValidator.Validate(await collector.ScrapeAsync(ExpositionFormat.OpenMetrics), ExpositionFormat.OpenMetrics).Count.ShouldBe(families.Count);
    }
}
