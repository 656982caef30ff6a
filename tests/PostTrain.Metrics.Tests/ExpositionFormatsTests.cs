using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

public sealed class ExpositionFormatsTests
{
    [Theory]
    [InlineData(null, ExpositionFormat.PrometheusText)]
    [InlineData("", ExpositionFormat.PrometheusText)]
    [InlineData("*/*", ExpositionFormat.PrometheusText)]
    [InlineData("text/plain;version=0.0.4", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text", ExpositionFormat.OpenMetrics)]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormat.OpenMetrics)]
    // What Prometheus 2.x sends:
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.OpenMetrics)]
    [InlineData("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text;version=2.0.0", ExpositionFormat.PrometheusText)]
    [InlineData("application/json", ExpositionFormat.PrometheusText)]
    [InlineData("application/openmetrics-text;q=0", ExpositionFormat.PrometheusText)]
    public void Accept_header_picks_the_format(string? accept, ExpositionFormat expected) =>
        ExpositionFormats.Negotiate(accept).ShouldBe(expected);

    [Fact]
    public void OpenMetrics_can_be_switched_off() =>
        ExpositionFormats.Negotiate("application/openmetrics-text;version=1.0.0", allowOpenMetrics: false).ShouldBe(ExpositionFormat.PrometheusText);

    [Fact]
    public void Content_types_are_exactly_what_Prometheus_expects()
    {
        ExpositionFormats.ContentType(ExpositionFormat.PrometheusText).ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        ExpositionFormats.ContentType(ExpositionFormat.OpenMetrics).ShouldBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    }
}
