using System.Net;
using System.Net.Sockets;
using PostTrain.Api.Worker;
using PostTrain.Worker.Observability;

namespace PostTrain.Worker.Tests;

/// <summary>The worker's /metrics and /status on ASP.NET Core, over real HTTP on 127.0.0.1.</summary>
public sealed class WorkerHttpServerTests : IDisposable
{
    private readonly WorkerMetrics _metrics = new();
    private readonly StringWriter _log = new();
    private readonly JobProgress _progress;

    public WorkerHttpServerTests() => _progress = new JobProgress(_metrics, _log, interactive: false);

    public void Dispose()
    {
        _metrics.Dispose();
        _log.Dispose();
    }

    [Fact]
    public async Task Serves_status_json_and_prometheus_metrics_on_the_port_and_404s_other_paths()
    {
        var port = TestPorts.Free();
        await using var server = (await WorkerHttpServer.TryStartAsync(port, "127.0.0.1", _progress, CancellationToken.None)).ShouldNotBeNull();
        _progress.Begin("ns", "tiny", "SftJob", logEverySteps: 1);
        _progress.OnStep(3, 10, new Dictionary<string, double> { ["loss"] = 1.5 });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var status = await http.GetAsync("/status");
        status.StatusCode.ShouldBe(HttpStatusCode.OK);
        status.Content.Headers.ContentType!.ToString().ShouldBe("application/json");
        status.Content.Headers.ContentLength.ShouldNotBeNull();
        var body = await status.Content.ReadAsStringAsync();
        body.ShouldBe(_progress.StatusJson());
        var document = WorkerJson.TryReadStatus(body).ShouldNotBeNull();
        (document.Job, document.Phase, document.Progress!.Step).ShouldBe(("tiny", "Running", 3L));

        using var metrics = await http.GetAsync("/metrics");
        metrics.StatusCode.ShouldBe(HttpStatusCode.OK);
        metrics.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        (await metrics.Content.ReadAsStringAsync()).ShouldContain("posttrain_train_loss{");

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/status"));
        head.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync("/other")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.PostAsync("/status", null)).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        _log.ToString().ShouldContain($"serving /metrics and /status on 127.0.0.1:{port}");
    }

    [Fact]
    public async Task Disposing_releases_the_port_and_a_taken_port_is_a_warning_not_a_failure()
    {
        var port = TestPorts.Free();
        await (await WorkerHttpServer.TryStartAsync(port, "127.0.0.1", _progress, CancellationToken.None)).ShouldNotBeNull().DisposeAsync();
        await using var again = (await WorkerHttpServer.TryStartAsync(port, "127.0.0.1", _progress, CancellationToken.None)).ShouldNotBeNull();

        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        (await WorkerHttpServer.TryStartAsync(takenPort, "127.0.0.1", _progress, CancellationToken.None)).ShouldBeNull();
        _log.ToString().ShouldContain($"warning: cannot serve /metrics on port {takenPort}");
        _log.ToString().ShouldContain("continuing without it");
    }

    [Fact]
    public async Task Every_interface_is_the_default_and_a_listen_address_that_is_no_IP_is_a_warning()
    {
        var port = TestPorts.Free();
        await using (var server = (await WorkerHttpServer.TryStartAsync(port, null, _progress, CancellationToken.None)).ShouldNotBeNull())
        {
            using var http = new HttpClient();
            (await http.GetAsync($"http://127.0.0.1:{port}/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
            _log.ToString().ShouldContain($"serving /metrics and /status on port {port}");
        }

        (await WorkerHttpServer.TryStartAsync(port, "not-an-ip", _progress, CancellationToken.None)).ShouldBeNull();
        _log.ToString().ShouldContain("POSTTRAIN_LISTEN_ADDRESS 'not-an-ip' is not an IP address");
    }
}
