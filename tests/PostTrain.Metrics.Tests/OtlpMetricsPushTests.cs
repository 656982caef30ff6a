using System.Diagnostics.Metrics;
using System.Text;
using OpenTelemetry.Metrics;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

public sealed class OtlpMetricsPushTests
{
    [Fact]
    public void Without_the_endpoint_variable_there_is_no_push() =>
        OtlpMetricsPush.Create(["PostTrain.Worker"], _ => null).ShouldBeNull();

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a uri", null)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://127.0.0.1", null)]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http://127.0.0.1:4318", "http/json")]
    public void Bad_settings_are_rejected_naming_the_variable(string variable, string endpoint, string? protocol)
    {
        var env = new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint, ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol };

        Should.Throw<ArgumentException>(() => OtlpMetricsPush.Create(["m"], name => env.GetValueOrDefault(name))).Message.ShouldContain(variable);
    }

    [Fact]
    public async Task With_the_endpoint_set_the_meters_are_pushed_as_OTLP_http_protobuf()
    {
        await using var receiver = new OtlpReceiver();
        using var meter = new Meter($"PostTrain.Tests.Otlp.{Guid.NewGuid():N}");
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{receiver.Port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        using (var provider = OtlpMetricsPush.Create([meter.Name], name => env.GetValueOrDefault(name)))
        {
            provider.ShouldNotBeNull();
            meter.CreateCounter<long>("posttrain.otlp.events").Add(42);
            provider.ForceFlush(10_000).ShouldBeTrue();
        }

        receiver.Received.TryPeek(out var first).ShouldBeTrue("the exporter posted nothing");
        first.Path.ShouldBe("/v1/metrics");
        first.ContentType.ShouldBe("application/x-protobuf");
        // Protobuf carries strings as raw UTF-8: the meter and instrument names are in the payload.
        var payload = Encoding.UTF8.GetString(first.Body);
        payload.ShouldContain("posttrain.otlp.events");
        payload.ShouldContain(meter.Name);
    }
}
