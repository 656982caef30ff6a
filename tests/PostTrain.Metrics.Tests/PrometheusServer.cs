using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PostTrain.Metrics.Tests;

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1 with a generated config and a temporary
/// TSDB, scraping the given targets every second. Disposing kills it and deletes its files.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Prometheus's own output so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping each (job, port) target at 127.0.0.1 and waits until /-/ready answers 200.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyList<(string Job, int Port)> targets, TimeSpan readyTimeout)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run `make deps` (it installs Debian's prometheus package).");
        }

        var directory = Directory.CreateTempSubdirectory("posttrain-prometheus-").FullName;
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        foreach (var (job, port) in targets)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n");
        }

        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());
        var webPort = TestPorts.Free();
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={configPath}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{webPort}",
            "--log.level=warn",
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Binary}");
        var server = new PrometheusServer(process, directory, webPort);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus exited with {process.ExitCode}: {server.Log}");
            }

            try
            {
                using var ready = await server._http.GetAsync("/-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // slow machine
            }

            if (deadline.Elapsed > readyTimeout)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"prometheus not ready after {readyTimeout}: {server.Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs an instant query; returns each result series' labels and value.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        if (json.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query '{promql}' failed: {body}");
        }

        var data = json.RootElement.GetProperty("data");
        var results = new List<(Dictionary<string, string>, double)>();
        if (data.GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"query '{promql}' did not return a vector: {body}");
        }

        foreach (var item in data.GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            var text = item.GetProperty("value")[1].GetString()!;
            var value = text switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(text, CultureInfo.InvariantCulture),
            };
            results.Add((labels, value));
        }

        return results;
    }

    /// <summary>
    /// Polls <paramref name="promql"/> until it returns one series whose value satisfies <paramref name="accept"/>;
    /// returns that value, or fails with the last answer when <paramref name="deadline"/> passes.
    /// </summary>
    public async Task<double> WaitForAsync(string promql, Func<double, bool> accept, Stopwatch clock, TimeSpan deadline)
    {
        var last = "no answer";
        while (clock.Elapsed < deadline)
        {
            var result = await QueryAsync(promql);
            if (result.Count == 1 && accept(result[0].Value))
            {
                return result[0].Value;
            }

            last = result.Count == 0 ? "empty result" : string.Join("; ", result.Select(r => $"{{{string.Join(",", r.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {r.Value}"));
            await Task.Delay(250);
        }

        var targets = await _http.GetStringAsync("/api/v1/targets");
        throw new TimeoutException($"'{promql}' not satisfied within {deadline}; last: {last}; targets: {targets}; log: {Log}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            _process.Dispose();
            _http.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
