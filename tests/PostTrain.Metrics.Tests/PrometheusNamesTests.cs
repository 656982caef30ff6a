using FsCheck;
using FsCheck.Fluent;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

public sealed class PrometheusNamesTests
{
    [Theory]
    [InlineData("s", false, "seconds")]
    [InlineData("ms", false, "milliseconds")]
    [InlineData("By", false, "bytes")]
    [InlineData("MiBy", false, "mebibytes")]
    [InlineData("{token}", false, "")]
    [InlineData("{token}/s", false, "per_second")]
    [InlineData("By/s", false, "bytes_per_second")]
    [InlineData("1", true, "ratio")]
    [InlineData("1", false, "")]
    [InlineData("%", true, "percent")]
    [InlineData("", false, "")]
    [InlineData(null, false, "")]
    [InlineData("furlongs", false, "furlongs")]
    public void Unit_words_follow_the_OpenTelemetry_Prometheus_mapping(string? unit, bool isGauge, string expected) =>
        PrometheusNames.UnitWord(unit, isGauge).ShouldBe(expected);

    [Theory]
    [InlineData("posttrain.reconcile.duration", "s", false, "posttrain_reconcile_duration_seconds")]
    [InlineData("posttrain.reconcile.duration.seconds", "s", false, "posttrain_reconcile_duration_seconds")]
    [InlineData("posttrain.worker.tokens", "{token}", false, "posttrain_worker_tokens")]
    [InlineData("posttrain.requests_total", null, false, "posttrain_requests")]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("posttrain.gpu.memory", "By", true, "posttrain_gpu_memory_bytes")]
    [InlineData("9lives", null, true, "_9lives")]
    [InlineData("a..b--c", null, true, "a_b_c")]
    public void Family_names_are_sanitised_and_carry_the_unit(string instrument, string? unit, bool isGauge, string expected) =>
        PrometheusNames.FamilyName(instrument, unit, isGauge).ShouldBe(expected);

    [Theory]
    [InlineData("dotnet.assembly.count", "{assembly}", true, "dotnet_assembly_count_value")]
    [InlineData("dotnet.timer.count", "{timer}", true, "dotnet_timer_count_value")]
    [InlineData("posttrain.queue.sum", null, true, "posttrain_queue_sum_value")]
    [InlineData("posttrain.bucket", null, true, "posttrain_bucket_value")]
    [InlineData("count", null, true, "count")]
    [InlineData("posttrain.countdown", null, true, "posttrain_countdown")]
    [InlineData("dotnet.thread_pool.thread.count", "{thread}", false, "dotnet_thread_pool_thread_count")]
    [InlineData("posttrain.step.count", "s", false, "posttrain_step_count_seconds")]
    public void Gauges_never_end_in_a_suffix_reserved_for_histogram_and_summary_samples(string instrument, string? unit, bool isGauge, string expected) =>
        PrometheusNames.FamilyName(instrument, unit, isGauge).ShouldBe(expected);

    [Theory]
    [InlineData("http.method", "http_method")]
    [InlineData("k8s-namespace", "k8s_namespace")]
    [InlineData("0rank", "_0rank")]
    [InlineData("__reserved", "_reserved")]
    [InlineData("ümlaut", "_mlaut")]
    public void Label_names_are_sanitised(string key, string expected) =>
        PrometheusNames.SanitizeLabelName(key).ShouldBe(expected);

    [Fact]
    public void Any_string_sanitises_to_a_valid_metric_name_and_label_name() =>
        Prop.ForAll<string>(s =>
        {
            var input = s ?? "";
            return PrometheusNames.IsValidMetricName(PrometheusNames.SanitizeMetricName(input))
                && PrometheusNames.IsValidLabelName(PrometheusNames.SanitizeLabelName(input))
                && PrometheusNames.IsValidMetricName(PrometheusNames.FamilyName(input, input, isGauge: true));
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Valid_names_are_left_alone() =>
        Prop.ForAll(Gen.Elements("a", "b_c", "posttrain_x", "X9", "abc_def_ghi").ToArbitrary(), name =>
            PrometheusNames.SanitizeMetricName(name) == name && PrometheusNames.SanitizeLabelName(name) == name).QuickCheckThrowOnFailure();
}
