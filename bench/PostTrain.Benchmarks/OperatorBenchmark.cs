using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Testing;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Benchmarks;

/// <summary>
/// The operator's scale test (rendering alone is the micro-benchmark <see cref="RenderingBenchmarks"/>): N SftJobs (default 1,000) applied at once to a
/// running <c>posttrain-operator</c> process that watches the in-process test API server. Reports the time until
/// every child batch Job exists and until every job's status says Pending, the API requests the operator made per
/// job (by verb and resource, counted by the server), and the operator process's memory (managed heap after the
/// last GC and resident set from its own /metrics, peak resident set from /proc).
/// Usage: operator [--jobs N] [--nodes N] [--concurrency N] [--operator PATH]; <c>--operator</c> runs
/// another build of the operator executable (to compare versions).
/// </summary>
public sealed class OperatorBenchmark : IBenchmark
{
    private const string Namespace = "bench";
    private const string BenchUserAgent = "posttrain-bench/apply";

    /// <inheritdoc />
    public string Name => "operator";

    /// <inheritdoc />
    public string Description => "1,000 SftJobs applied at once to a posttrain-operator process: time to every child Job, API requests per job, operator memory";

    /// <summary>An SftJob spec of <paramref name="nodes"/> nodes, as the scale test and the rendering micro-benchmark use.</summary>
    internal static JsonObject Spec(int nodes) => JsonNode.Parse($$"""
        {
          "model": {"source": "pvc://models/qwen"},
          "dataset": {"source": "builtin://arithmetic?digits=2"},
          "output": {"uri": "pvc://ckpt/run"},
          "resources": {"gpus": 8, "nodes": {{nodes}}, "sharedMemory": "16Gi"},
          "scheduling": {"nodeSelector": {"gpu": "h100"}, "queueName": "team-a"},
          "training": {"maxSteps": 10, "batchSize": 64}
        }
        """)!.AsObject();

    private readonly Option<int> _jobs = BenchOptions.Int("--jobs", "SftJobs to create.", 1000);
    private readonly Option<int> _nodes = BenchOptions.Int("--nodes", "spec.resources.nodes of each job.", 1);
    private readonly Option<int> _concurrency = BenchOptions.Int("--concurrency", "The operator's reconcile workers per kind.", 2);
    private readonly Option<string> _operator = BenchOptions.Text("--operator", "The posttrain-operator executable to start.", "PATH", Path.Combine(AppContext.BaseDirectory, "posttrain-operator"));

    /// <inheritdoc />
    public void Configure(Command command)
    {
        foreach (var option in new Option[] { _jobs, _nodes, _concurrency, _operator })
        {
            command.Options.Add(option);
        }
    }

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var jobs = parse.GetValue(_jobs);
        var nodes = parse.GetValue(_nodes);
        var concurrency = parse.GetValue(_concurrency);
        var executable = Path.GetFullPath(parse.GetRequiredValue(_operator));
        return await ScaleAsync(executable, jobs, nodes, concurrency, cancellationToken);
    }

    private static async Task<int> ScaleAsync(string executable, int jobs, int nodes, int concurrency, CancellationToken cancellationToken)
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { WatchHistoryLimit = 100_000 }, cancellationToken);
        server.CreateNamespace(Namespace);
        using var client = new KubernetesClient(KubeClientConfig.ForServer(server.BaseAddress, userAgent: BenchUserAgent, requestTimeout: TimeSpan.FromSeconds(60)));
        foreach (var kind in JobKinds.All)
        {
            await client.CustomResourceDefinitions.CreateAsync(
                new V1CustomResourceDefinition
                {
                    Metadata = new V1ObjectMeta { Name = $"{kind.Plural}.{kind.Group}" },
                    Spec = new V1CustomResourceDefinitionSpec
                    {
                        Group = kind.Group,
                        Names = new V1CustomResourceDefinitionNames { Plural = kind.Plural, Kind = kind.Kind },
                        Versions = [new V1CustomResourceDefinitionVersion { Name = kind.Version, Served = true, Storage = true, Subresources = new V1CustomResourceSubresources { Status = new object() } }],
                    },
                },
                cancellationToken: cancellationToken);
        }

        var port = FreePort();
        using var process = StartOperator(executable, server.BaseAddress, port, concurrency, out var output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            if (!await WaitReadyAsync(http, process, TimeSpan.FromSeconds(60), cancellationToken))
            {
                Console.WriteLine("the operator did not become ready; its last output:");
                Console.WriteLine(string.Join('\n', output));
                return 1;
            }

            var startupRequests = server.Requests.Count;
            var startupRss = ReadProcStatus(process.Id, "VmRSS");
            var startupCpu = SumSamples(await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken), "process_cpu_seconds_total");
            server.Registry.TryGet("batch", "v1", "jobs", out var batchType);
            server.Registry.TryGet(JobKinds.Sft.Group, JobKinds.Sft.Version, JobKinds.Sft.Plural, out var sftType);

            // Apply every job at once (16 requests in flight, as a kubectl apply of one big file would not be
            // faster), and watch the server's store for the children and statuses.
            var timer = Stopwatch.StartNew();
            using var gate = new SemaphoreSlim(16);
            var sft = client.Resource<JobResource>(JobKinds.Sft);
            var apply = Task.WhenAll(Enumerable.Range(0, jobs).Select(async i =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await sft.CreateAsync(new JobResource { ApiVersion = JobKinds.Sft.ApiVersion, Kind = "SftJob", Metadata = new V1ObjectMeta { Name = $"job-{i}", NamespaceProperty = Namespace }, Spec = Spec(nodes) }, cancellationToken: cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }));

            TimeSpan? applied = null, children = null, statuses = null;
            while (statuses is null && timer.Elapsed < TimeSpan.FromMinutes(5))
            {
                await Task.Delay(25, cancellationToken);
                if (applied is null && apply.IsCompleted)
                {
                    await apply;
                    applied = timer.Elapsed;
                }

                if (children is null && Count(server.Store.List(batchType, Namespace, Selector.Everything, Selector.Everything, null, null), _ => true) >= jobs)
                {
                    children = timer.Elapsed;
                }

                if (children is not null && Count(server.Store.List(sftType, Namespace, Selector.Everything, Selector.Everything, null, null), o => (string?)o["status"]?["phase"] == "Pending") >= jobs)
                {
                    statuses = timer.Elapsed;
                }
            }

            if (statuses is null)
            {
                Console.WriteLine($"timed out after {timer.Elapsed.TotalSeconds:F0} s; the operator's last output:");
                Console.WriteLine(string.Join('\n', output));
                return 1;
            }

            // Let the follow-up reconciles (informer events for the children) finish before counting.
            var settled = server.Requests.Count;
            for (var quiet = 0; quiet < 8 && timer.Elapsed < TimeSpan.FromMinutes(6);)
            {
                await Task.Delay(250, cancellationToken);
                var now = server.Requests.Count;
                quiet = now == settled ? quiet + 1 : 0;
                settled = now;
            }

            var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken);
            var peakRss = ReadProcStatus(process.Id, "VmHWM");
            var rss = ReadProcStatus(process.Id, "VmRSS");
            var heap = SumSamples(metrics, "dotnet_gc_last_collection_heap_size_bytes");
            var committed = SumSamples(metrics, "dotnet_gc_last_collection_memory_committed_size_bytes");
            var cpu = SumSamples(metrics, "process_cpu_seconds_total");
            var reconciles = SumSamples(metrics, "posttrain_reconcile_total");

            var requests = server.Requests.Skip(startupRequests).Where(r => r.UserAgent != BenchUserAgent).ToList();
            Console.WriteLine($"{jobs} SftJobs ({nodes} node(s) each) applied at once to posttrain-operator (--concurrency {concurrency}) against the test API server:");
            Console.WriteLine($"  all applied after {applied!.Value.TotalSeconds:F2} s; every child batch Job exists after {children!.Value.TotalSeconds:F2} s ({jobs / children.Value.TotalSeconds:F0} jobs/s); every status Pending after {statuses.Value.TotalSeconds:F2} s; {reconciles / jobs:F1} reconciles per job");
            Console.WriteLine($"  API requests by the operator: {requests.Count} ({(double)requests.Count / jobs:F2} per job; {startupRequests} more before the jobs: informer lists and watches)");
            foreach (var group in requests.GroupBy(r => $"{r.Verb} {r.Resource ?? r.Path}").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"    {group.Key,-48} {group.Count(),6}  {(double)group.Count() / jobs,5:F2}/job");
            }

            Console.WriteLine($"  operator memory: managed heap after the last GC {heap / 1048576:F1} MiB ({committed / 1048576:F1} MiB committed); resident {rss / 1048576.0:F1} MiB (before the jobs {startupRss / 1048576.0:F1} MiB, peak {peakRss / 1048576.0:F1} MiB); CPU {cpu - startupCpu:F1} s for the jobs ({(cpu - startupCpu) * 1000 / jobs:F1} ms per job; {startupCpu:F1} s to start)");
            return 0;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static Process StartOperator(string executable, Uri server, int port, int concurrency, out Queue<string> output)
    {
        var lines = new Queue<string>();
        output = lines;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--server", server.ToString(), "--namespace", Namespace, "--no-leader-elect", "--port", port.ToString(CultureInfo.InvariantCulture), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture), "--identity", "bench" })
        {
            start.ArgumentList.Add(arg);
        }

        // Logging every created child would measure the console; keep warnings.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start posttrain-operator");
        void Keep(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Enqueue(e.Data);
                while (lines.Count > 40)
                {
                    lines.Dequeue();
                }
            }
        }

        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<bool> WaitReadyAsync(HttpClient http, Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow start.
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }

    private static int Count(JsonObject list, Func<JsonObject, bool> predicate) =>
        (list["items"] as JsonArray ?? []).OfType<JsonObject>().Count(predicate);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A "kB" line of /proc/PID/status in bytes (0 where there is no /proc).</summary>
    private static long ReadProcStatus(int pid, string field)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>The sum of every sample of a metric family in Prometheus text (all label sets).</summary>
    private static double SumSamples(string exposition, string family)
    {
        var sum = 0.0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(family, StringComparison.Ordinal) && line.Length > family.Length && line[family.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf(' ') + 1)..];
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    sum += v;
                }
            }
        }

        return sum;
    }
}
