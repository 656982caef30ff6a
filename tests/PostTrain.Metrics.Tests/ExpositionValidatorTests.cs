using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>The validator the race and golden tests rely on does reject what it must.</summary>
public sealed class ExpositionValidatorTests
{
    private const string Header = "# HELP h h\n# TYPE h histogram\n";

    [Theory]
    [InlineData(Header + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\nh_count 4\n", "!= _count")]
    [InlineData(Header + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative")]
    [InlineData(Header + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 2\nh_sum 1\nh_count 2\n", "not +Inf")]
    [InlineData(Header + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not above")]
    [InlineData("# TYPE c_total counter\nc_total -1\n", "non-negative")]
    [InlineData("# TYPE c_total counter\nc_total{a=\"x\"} 1\nc_total{a=\"x\"} 2\n", "duplicate series")]
    [InlineData("# TYPE c_total counter\nc_total{a=\"x\\t\"} 1\n", "invalid escape")]
    [InlineData("# TYPE c_total counter\nc_total{a=\"x} 1\n", "")]
    [InlineData("# TYPE g gauge\ng 1\n# TYPE g2 gauge\ng2 1\n# TYPE g gauge\n", "interleaved")]
    [InlineData("# TYPE g gauge\ng one\n", "not a number")]
    public void Broken_text_expositions_are_rejected(string text, string reason) =>
        Should.Throw<FormatException>(() => ExpositionValidator.Validate(text, ExpositionFormat.PrometheusText)).Message.ShouldContain(reason);

    [Theory]
    [InlineData("# TYPE c counter\nc_total 1\n", "# EOF")]
    [InlineData("# TYPE c counter\nc 1\n# EOF\n", "outside its family")]
    [InlineData("# TYPE c_seconds counter\n# UNIT c_seconds bytes\nc_seconds_total 1\n# EOF\n", "end with its unit")]
    [InlineData("# EOF\n# TYPE c counter\n", "after # EOF")]
    public void Broken_OpenMetrics_expositions_are_rejected(string text, string reason) =>
        Should.Throw<FormatException>(() => ExpositionValidator.Validate(text, ExpositionFormat.OpenMetrics)).Message.ShouldContain(reason);
}
