using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Models;
using PostTrain.Kube.Testing;

namespace PostTrain.Benchmarks;

/// <summary>
/// PostTrain.Kube against the in-process test API server: informer initial sync time and steady memory for N
/// custom objects, no-op reconcile throughput, and write-to-handler watch latency.
/// Usage: kube [--objects N] (default 5000).
/// </summary>
public sealed class KubeBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "kube";

    /// <inheritdoc />
    public string Description => "informer sync time and memory for 5,000 custom objects, no-op reconcile throughput, watch event latency";

    [KubernetesEntity(Group = "bench.example.com", ApiVersion = "v1", Kind = "Item", PluralName = "items")]
    private sealed class Item : CustomResource<ItemSpec, JsonObject>
    {
    }

    private sealed class ItemSpec
    {
        public int Index { get; set; }

        public string Model { get; set; } = "";

        public Dictionary<string, string> Parameters { get; set; } = [];
    }

    private sealed class NoOpReconciler(Indexer<Item> cache) : IReconciler
    {
        private long _calls;

        public long Calls => Interlocked.Read(ref _calls);

        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
        {
            _ = cache.Get(request.Namespace, request.Name);
            Interlocked.Increment(ref _calls);
            return Task.FromResult(ReconcileResult.Done);
        }
    }

    private readonly Option<int> _objects = BenchOptions.Int("--objects", "Custom objects the informer syncs.", 5000);

    /// <inheritdoc />
    public void Configure(Command command) => command.Options.Add(_objects);

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var objects = parse.GetValue(_objects);

        await using var server = await TestApiServer.StartAsync(cancellationToken: cancellationToken);
        server.CreateNamespace("bench");
        using var client = new KubernetesClient(KubeClientConfig.ForServer(server.BaseAddress, "bench"));
        await client.CustomResourceDefinitions.CreateAsync(
            new V1CustomResourceDefinition
            {
                Metadata = new V1ObjectMeta { Name = "items.bench.example.com" },
                Spec = new V1CustomResourceDefinitionSpec
                {
                    Group = "bench.example.com",
                    Names = new V1CustomResourceDefinitionNames { Plural = "items", Kind = "Item" },
                    Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true, Subresources = new V1CustomResourceSubresources { Status = new object() } }],
                },
            },
            cancellationToken: cancellationToken);
        var items = client.Resource<Item>();

        var create = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            await items.CreateAsync(
                new Item
                {
                    Metadata = new V1ObjectMeta { Name = $"item-{i:D5}", NamespaceProperty = "bench", Labels = new Dictionary<string, string>() { ["app"] = "bench", ["shard"] = (i % 16).ToString(CultureInfo.InvariantCulture) } },
                    Spec = new ItemSpec { Index = i, Model = "builtin://tiny", Parameters = new() { ["lr"] = "1e-4", ["steps"] = "100", ["seed"] = i.ToString(CultureInfo.InvariantCulture) } },
                },
                cancellationToken: ct);
        });
        create.Stop();
        Console.WriteLine($"created {objects} objects in {create.Elapsed.TotalSeconds:F2} s ({objects / create.Elapsed.TotalSeconds:F0}/s, 8 concurrent clients)");

        // informer initial sync and steady memory
        var before = SettledMemory();
        var informer = new Informer<Item>(items, new InformerOptions { Namespace = "bench" });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sync = Stopwatch.StartNew();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(cancellationToken);
        sync.Stop();
        await Task.Delay(500, cancellationToken);
        var after = SettledMemory();
        Console.WriteLine($"informer initial sync (cold process, includes JIT): {informer.Cache.Count} objects in {sync.Elapsed.TotalMilliseconds:F0} ms (paged list, 500 per page)");
        foreach (var attempt in new[] { 1, 2 })
        {
            var warm = new Informer<Item>(items, new InformerOptions { Namespace = "bench" });
            using var warmStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var warmSync = Stopwatch.StartNew();
            var warmRun = warm.RunAsync(warmStop.Token);
            await warm.WaitForSyncAsync(cancellationToken);
            warmSync.Stop();
            Console.WriteLine($"informer initial sync (warm, run {attempt}): {warm.Cache.Count} objects in {warmSync.Elapsed.TotalMilliseconds:F0} ms");
            await warmStop.CancelAsync();
            await warmRun;
        }

        Console.WriteLine($"informer steady managed memory: {(after - before) / 1048576.0:F1} MiB ({(after - before) / (double)objects / 1024:F2} KiB per object)");

        // no-op reconcile throughput
        foreach (var workers in new[] { 1, 4 })
        {
            var reconciler = new NoOpReconciler(informer.Cache);
            var controller = new Controller<Item>("bench", informer, reconciler, new ControllerOptions { Workers = workers });
            using var controllerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var controllerRun = controller.RunAsync(controllerStop.Token);
            await WaitUntilAsync(() => reconciler.Calls >= objects, cancellationToken);
            const int rounds = 5;
            var start = reconciler.Calls;
            var timer = Stopwatch.StartNew();
            for (var r = 0; r < rounds; r++)
            {
                var target = start + ((r + 1) * (long)objects);
                foreach (var key in informer.Cache.Keys())
                {
                    controller.Queue.Add(key);
                }

                await WaitUntilAsync(() => reconciler.Calls >= target, cancellationToken);
            }

            timer.Stop();
            Console.WriteLine($"no-op reconcile throughput, {workers} worker(s): {rounds * objects / timer.Elapsed.TotalSeconds:F0} reconciles/s ({rounds} x {objects} keys)");
            await controllerStop.CancelAsync();
            await controllerRun;
        }

        // watch event latency: update -> informer handler
        var seen = new Dictionary<string, long>();
        var gate = new Lock();
        informer.AddHandler(new ResourceEventHandler<Item>
        {
            OnUpdate = (_, o) =>
            {
                if (o.Metadata.Annotations?.TryGetValue("bench/seq", out var seq) == true)
                {
                    lock (gate)
                    {
                        seen[seq] = Stopwatch.GetTimestamp();
                    }
                }
            },
        });
        var latencies = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var name = $"item-{i % objects:D5}";
            var seq = i.ToString(CultureInfo.InvariantCulture);
            var sent = Stopwatch.GetTimestamp();
            await items.PatchAsync(name, PatchType.Merge, "{\"metadata\":{\"annotations\":{\"bench/seq\":\"" + seq + "\"}}}", "bench", cancellationToken: cancellationToken);
            long received;
            while (true)
            {
                lock (gate)
                {
                    if (seen.TryGetValue(seq, out received))
                    {
                        break;
                    }
                }

                await Task.Yield();
            }

            latencies.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);
        }

        latencies.Sort();
        Console.WriteLine($"watch event latency (merge patch sent -> informer handler), 500 updates: p50 {latencies[250]:F2} ms, p99 {latencies[495]:F2} ms, max {latencies[^1]:F2} ms");
        await stop.CancelAsync();
        await run;
        return 0;
    }

    private static long SettledMemory()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("benchmark condition not reached within 2 minutes");
            }

            await Task.Delay(1, cancellationToken);
        }
    }
}
