using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PostTrain.Metrics;

namespace PostTrain.Metrics.Tests;

/// <summary>The ASP.NET Core mapping, over real HTTP on 127.0.0.1.</summary>
public sealed class HttpEndpointTests
{
    private const string PrometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public async Task AspNetCore_MapPrometheus_serves_metrics_counted_before_the_first_scrape()
    {
        var meterName = $"PostTrain.Tests.AspNet.{Guid.NewGuid():N}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPrometheusMetrics(o =>
        {
            o.Meters.Add(meterName);
            o.IncludeRuntimeMetrics = false;
        });
        await using var app = builder.Build();
        app.MapPrometheus("/metrics");
        await app.StartAsync();

        // Measured after start but before any scrape: the collector must already be listening.
        using var meter = new Meter(meterName);
        meter.CreateCounter<long>("posttrain.reconcile").Add(3, new KeyValuePair<string, object?>("controller", "sftjob"));

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", PrometheusAccept);
        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().ShouldBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
        var families = ExpositionValidator.Validate(await response.Content.ReadAsStringAsync(), ExpositionFormat.OpenMetrics);
        families.Value("posttrain_reconcile_total", "controller=sftjob").ShouldBe(3);
        families.ShouldContain(f => f.Name == "process_resident_memory_bytes");
        await app.StopAsync();
    }

    // In this class (not in parallel with the other AddPrometheusMetrics test) because it sets process environment variables.
    [Fact]
    public async Task AddPrometheusMetrics_pushes_over_OTLP_when_OTEL_EXPORTER_OTLP_ENDPOINT_is_set()
    {
        await using var receiver = new OtlpReceiver();
        var meterName = $"PostTrain.Tests.HostedOtlp.{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{receiver.Port}");
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddPrometheusMetrics(o => o.Meters.Add(meterName));
            await using var app = builder.Build();
            await app.StartAsync();
            using var meter = new Meter(meterName);
            meter.CreateCounter<long>("posttrain.hosted.otlp").Add(1);

            await app.StopAsync(); // flushes the push
        }
        finally
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", null);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", null);
        }

        receiver.Received.ShouldContain(r => r.Path == "/v1/metrics" && System.Text.Encoding.UTF8.GetString(r.Body).Contains("posttrain.hosted.otlp", StringComparison.Ordinal));
    }

    [Fact]
    public void MapPrometheus_without_AddPrometheusMetrics_says_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();

        Should.Throw<InvalidOperationException>(() => app.MapPrometheus()).Message.ShouldContain("AddPrometheusMetrics");
    }
}
