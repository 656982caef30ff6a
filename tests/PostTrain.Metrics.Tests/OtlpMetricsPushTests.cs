using System.Diagnostics.Metrics;
using System.Net;
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
        var port = TestPorts.Free();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var received = new System.Collections.Concurrent.ConcurrentQueue<(string Path, string? ContentType, byte[] Body)>();
        var serving = ServeAsync(receiver, received);

        using var meter = new Meter($"PostTrain.Tests.Otlp.{Guid.NewGuid():N}");
        var env = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        using (var provider = OtlpMetricsPush.Create([meter.Name], name => env.GetValueOrDefault(name)))
        {
            provider.ShouldNotBeNull();
            meter.CreateCounter<long>("posttrain.otlp.events").Add(42);
            provider.ForceFlush(10_000).ShouldBeTrue();
        }

        received.TryPeek(out var first).ShouldBeTrue("the exporter posted nothing");
        var (path, contentType, body) = first;
        path.ShouldBe("/v1/metrics");
        contentType.ShouldBe("application/x-protobuf");
        // Protobuf carries strings as raw UTF-8: the meter and instrument names are in the payload.
        var payload = Encoding.UTF8.GetString(body);
        payload.ShouldContain("posttrain.otlp.events");
        payload.ShouldContain(meter.Name);
        receiver.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Answers every POST with 200 and keeps what was posted, until the listener closes.</summary>
    private static async Task ServeAsync(HttpListener receiver, System.Collections.Concurrent.ConcurrentQueue<(string, string?, byte[])> received)
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await receiver.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
