using System.Collections.Concurrent;
using k8s.Models;
using PostTrain.Kube.Informers;

namespace PostTrain.Kube.Tests;

/// <summary>Informers: sync, events, 410 relist with deletes missed during an outage, reconnects, resync, indexes.</summary>
public sealed class InformerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static V1ConfigMap Map(string name, string ns, Dictionary<string, string>? labels = null) =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels }, Data = new Dictionary<string, string>() { ["k"] = "v" } };

    private static InformerOptions Fast(string ns) => new()
    {
        Namespace = ns,
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        PageSize = 2,
    };

    private sealed class Recorder
    {
        public ConcurrentQueue<string> Log { get; } = new();

        public ResourceEventHandler<V1ConfigMap> Handler => new()
        {
            OnAdd = o => Log.Enqueue($"add {o.Metadata.Name}"),
            OnUpdate = (old, o) => Log.Enqueue(ReferenceEquals(old, o) ? $"resync {o.Metadata.Name}" : $"update {o.Metadata.Name}"),
            OnDelete = (o, unknown) => Log.Enqueue(unknown ? $"missed-delete {o.Metadata.Name}" : $"delete {o.Metadata.Name}"),
        };

        public bool Saw(string entry) => Log.Contains(entry);
    }

    [Fact]
    public async Task Lists_in_pages_then_delivers_watch_events_to_handlers_and_cache()
    {
        var ns = fixture.NewNamespace();
        for (var i = 0; i < 5; i++)
        {
            await fixture.Client.ConfigMaps.CreateAsync(Map($"m{i}", ns));
        }

        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns));
        var recorder = new Recorder();
        informer.AddHandler(recorder.Handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        informer.Cache.Count.ShouldBe(5);
        informer.Cache.Get(ns, "m3")!.Metadata.Name.ShouldBe("m3");
        informer.Cache.Get(ns, "m3")!.Kind.ShouldBe("ConfigMap");

        var m0 = await fixture.Client.ConfigMaps.GetAsync("m0", ns);
        m0.Data!["k"] = "changed";
        await fixture.Client.ConfigMaps.ReplaceAsync(m0);
        await fixture.Client.ConfigMaps.DeleteAsync("m1", ns);
        await fixture.Client.ConfigMaps.CreateAsync(Map("new", ns));
        await Eventually.TrueAsync(() => recorder.Saw("update m0") && recorder.Saw("delete m1") && recorder.Saw("add new"), "watch events delivered");
        informer.Cache.Get(ns, "m0")!.Data!["k"].ShouldBe("changed");
        informer.Cache.Get(ns, "m1").ShouldBeNull();
        informer.Cache.Count.ShouldBe(5);

        await cts.CancelAsync();
        await run;
        informer.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task After_an_outage_past_the_history_window_it_relists_and_reports_the_delete_it_missed()
    {
        var ns = fixture.NewNamespace();
        await fixture.Client.ConfigMaps.CreateAsync(Map("stays", ns));
        await fixture.Client.ConfigMaps.CreateAsync(Map("deleted-during-outage", ns));
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns));
        var recorder = new Recorder();
        informer.AddHandler(recorder.Handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);

        using (fixture.Server.Faults.Partition(r => r.Query.ContainsKey("watch") && r.Path.Value!.Contains($"/namespaces/{ns}/", StringComparison.Ordinal)))
        {
            // The informer's watch may still be opening (it passed the partition before it began): drop until it is cut.
            await Eventually.TrueAsync(
                () =>
                {
                    fixture.Server.Faults.DropWatches();
                    return informer.LastError is not null;
                },
                "the informer notices the outage");
            await fixture.Client.ConfigMaps.DeleteAsync("deleted-during-outage", ns);
            await fixture.Client.ConfigMaps.CreateAsync(Map("created-during-outage", ns));
            fixture.Server.Store.CompactHistory();
        }

        await Eventually.TrueAsync(() => recorder.Saw("missed-delete deleted-during-outage") && recorder.Saw("add created-during-outage"), "relist reports the missed delete and the new object");
        informer.RelistCount.ShouldBeGreaterThanOrEqualTo(1);
        informer.Cache.Keys().Order().ShouldBe([$"{ns}/created-during-outage", $"{ns}/stays"]);
        recorder.Saw("delete stays").ShouldBeFalse();

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Bookmarks_advance_the_resource_version_so_a_resume_after_compaction_needs_no_relist()
    {
        var ns = fixture.NewNamespace();
        await fixture.Client.ConfigMaps.CreateAsync(Map("only", ns));
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        var synced = long.Parse(informer.LastSyncResourceVersion!);

        // activity elsewhere moves the global version; only bookmarks carry it to this informer
        await fixture.Client.ConfigMaps.CreateAsync(Map("elsewhere", fixture.NewNamespace()));
        var moved = fixture.Server.Store.CurrentVersion;
        moved.ShouldBeGreaterThan(synced);
        await Eventually.TrueAsync(() => long.Parse(informer.LastSyncResourceVersion!) >= moved, "a bookmark advances the informer's version");

        fixture.Server.Store.CompactHistory();
        fixture.Server.Faults.DropWatches();
        await fixture.Client.ConfigMaps.CreateAsync(Map("after", ns));
        await Eventually.TrueAsync(() => informer.Cache.Get(ns, "after") is not null, "resumed watch delivers");
        informer.RelistCount.ShouldBe(0);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Reconnects_after_dropped_streams_and_server_errors_without_losing_events()
    {
        var ns = fixture.NewNamespace();
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns));
        var recorder = new Recorder();
        informer.AddHandler(recorder.Handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        await Eventually.TrueAsync(() => fixture.Server.Store.WatcherCount > 0, "watch open");

        var reconnects = informer.ReconnectCount;
        fixture.Server.Faults.FailNext(2, 500, match: r => r.Query.ContainsKey("watch") && r.Path.Value!.Contains($"/namespaces/{ns}/", StringComparison.Ordinal));
        fixture.Server.Faults.FailNext(2, 429, retryAfterSeconds: 0, match: r => r.Query.ContainsKey("watch") && r.Path.Value!.Contains($"/namespaces/{ns}/", StringComparison.Ordinal));
        fixture.Server.Faults.DropWatches();
        await fixture.Client.ConfigMaps.CreateAsync(Map("after-drop", ns));
        await Eventually.TrueAsync(() => recorder.Saw("add after-drop"), "event after the reconnect");
        informer.ReconnectCount.ShouldBeGreaterThan(reconnects);
        informer.RelistCount.ShouldBe(0, "a resumable watch needs no relist");

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Resync_redelivers_cached_objects_and_indexes_answer_queries()
    {
        var ns = fixture.NewNamespace();
        await fixture.Client.ConfigMaps.CreateAsync(Map("a", ns, new() { ["team"] = "x" }));
        await fixture.Client.ConfigMaps.CreateAsync(Map("b", ns, new() { ["team"] = "y" }));
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns) with { ResyncPeriod = TimeSpan.FromMilliseconds(100) });
        informer.Cache.AddIndex("team", o => o.Metadata.Labels?.TryGetValue("team", out var t) == true ? [t] : []);
        var recorder = new Recorder();
        informer.AddHandler(recorder.Handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        await Eventually.TrueAsync(() => recorder.Saw("resync a") && recorder.Saw("resync b"), "resync");
        informer.Cache.ByIndex("team", "x").Single().Metadata.Name.ShouldBe("a");
        informer.Cache.ByIndex(Indexer<V1ConfigMap>.NamespaceIndex, ns).Count.ShouldBe(2);

        var late = new Recorder();
        informer.AddHandler(late.Handler);
        late.Saw("add a").ShouldBeTrue("a handler added after sync gets the cache as adds");

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_failing_initial_list_is_retried_until_the_cache_syncs()
    {
        var ns = fixture.NewNamespace();
        await fixture.Client.ConfigMaps.CreateAsync(Map("a", ns));
        fixture.Server.Faults.FailNext(3, 503, match: r => !r.Query.ContainsKey("watch") && r.Path.Value!.Contains($"/namespaces/{ns}/", StringComparison.Ordinal));
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, Fast(ns));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        informer.Cache.Get(ns, "a").ShouldNotBeNull();
        informer.RelistCount.ShouldBe(3, "each failed list was retried");
        informer.LastError.ShouldBeNull("a successful list clears the error");
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_watch_that_goes_silent_is_reopened()
    {
        await using var quiet = await Testing.TestApiServer.StartAsync(new Testing.TestApiServerOptions { BookmarkInterval = TimeSpan.FromHours(1) });
        var ns = quiet.CreateNamespace("quiet");
        using var client = new Client.KubernetesClient(Config.KubeClientConfig.ForServer(quiet.BaseAddress));
        var informer = new Informer<V1ConfigMap>(client.ConfigMaps, Fast(ns) with { WatchIdleTimeout = TimeSpan.FromMilliseconds(300) });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        await Eventually.TrueAsync(() => informer.LastError is TimeoutException, "idle watch detected");
        informer.IsRunning.ShouldBeTrue();
        await client.ConfigMaps.CreateAsync(Map("x", ns));
        await Eventually.TrueAsync(() => informer.Cache.Get(ns, "x") is not null, "still delivering after idle reconnects");
        await cts.CancelAsync();
        await run;
    }
}
