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

/// <summary>The standalone HttpListener endpoint and the ASP.NET Core mapping, over real HTTP on 127.0.0.1.</summary>
public sealed class HttpEndpointTests
{
    private const string PrometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public async Task Standalone_listener_serves_both_formats_by_Accept_header_and_404s_other_paths()
    {
        using var meter = new Meter($"PostTrain.Tests.Http.{Guid.NewGuid():N}");
        var options = new PrometheusOptions { IncludeRuntimeMetrics = false };
        options.Meters.Add(meter.Name);
        using var server = new PrometheusHttpListener(TestPorts.Free(), options, host: "127.0.0.1").Start();
        meter.CreateCounter<long>("posttrain.scraped").Add(7);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };

        using var text = await http.GetAsync("/metrics");
        text.StatusCode.ShouldBe(HttpStatusCode.OK);
        text.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        var textBody = await text.Content.ReadAsStringAsync();
        ExpositionValidator.Validate(textBody, ExpositionFormat.PrometheusText).Value("posttrain_scraped_total").ShouldBe(7);
        textBody.ShouldContain("process_cpu_seconds_total");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", PrometheusAccept);
        using var openMetrics = await http.SendAsync(request);
        openMetrics.Content.Headers.ContentType!.ToString().ShouldBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
        ExpositionValidator.Validate(await openMetrics.Content.ReadAsStringAsync(), ExpositionFormat.OpenMetrics).Value("posttrain_scraped_total").ShouldBe(7);

        using var missing = await http.GetAsync("/other");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Extra_paths_share_the_port_with_metrics()
    {
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        using var server = new PrometheusHttpListener(TestPorts.Free(), options, host: "127.0.0.1")
            .MapGet("/status", "application/json", _ => ValueTask.FromResult("{\"phase\":\"Running\"}"))
            .Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}") };

        using var status = await http.GetAsync("/status");
        status.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await status.Content.ReadAsStringAsync()).ShouldBe("{\"phase\":\"Running\"}");
        (await http.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
        Should.Throw<InvalidOperationException>(() => server.MapGet("/late", "text/plain", _ => ValueTask.FromResult("")));
    }

    [Fact]
    public async Task Disposing_the_listener_releases_the_port()
    {
        var port = TestPorts.Free();
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        new PrometheusHttpListener(port, options, host: "127.0.0.1").Start().Dispose();

        using var again = new PrometheusHttpListener(port, options, host: "127.0.0.1").Start();
        using var http = new HttpClient();
        (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Default_host_binds_every_interface_including_loopback()
    {
        var options = new PrometheusOptions { IncludeProcessMetrics = false, IncludeRuntimeMetrics = false };
        using var server = new PrometheusHttpListener(TestPorts.Free(), options).Start();
        using var http = new HttpClient();

        (await http.GetAsync($"http://127.0.0.1:{server.Port}/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

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
