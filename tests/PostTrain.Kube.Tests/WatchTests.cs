using System.Net;
using k8s;
using k8s.Models;
using PostTrain.Kube.Client;

namespace PostTrain.Kube.Tests;

/// <summary>Watch streams: resume from a resourceVersion, bookmarks, 410 Expired, dropped streams, selectors.</summary>
public sealed class WatchTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private KubernetesClient Client => fixture.Client;

    private static V1ConfigMap Map(string name, string ns, string value = "v") =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["k"] = value } };

    [Fact]
    public async Task A_watch_resumed_from_a_resource_version_gets_exactly_the_changes_after_it()
    {
        var ns = fixture.NewNamespace();
        var a = await Client.ConfigMaps.CreateAsync(Map("a", ns));
        var after = a.Metadata.ResourceVersion;
        a.Data!["k"] = "2";
        await Client.ConfigMaps.ReplaceAsync(a);
        await Client.ConfigMaps.CreateAsync(Map("b", ns));
        await Client.ConfigMaps.DeleteAsync("a", ns);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<WatchEvent<V1ConfigMap>>();
        await foreach (var e in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = after, AllowBookmarks = false }, cts.Token))
        {
            events.Add(e);
            if (events.Count == 3)
            {
                break;
            }
        }

        events.Select(e => (e.Type, e.Object.Metadata.Name)).ShouldBe([(WatchEventType.Modified, "a"), (WatchEventType.Added, "b"), (WatchEventType.Deleted, "a")]);
        events[0].Object.Data!["k"].ShouldBe("2");
        events.Select(e => long.Parse(e.Object.Metadata.ResourceVersion!)).ShouldBeInOrder();
    }

    [Fact]
    public async Task A_streaming_list_sends_the_current_state_then_a_bookmark_marking_its_end_then_live_changes()
    {
        // client-go's watch-list (helm's readiness watcher uses it): sendInitialEvents=true&resourceVersionMatch=NotOlderThan
        var ns = fixture.NewNamespace();
        var a = await Client.ConfigMaps.CreateAsync(Map("a", ns));
        a.Data!["k"] = "2";
        await Client.ConfigMaps.ReplaceAsync(a);
        await Client.ConfigMaps.CreateAsync(Map("b", ns));
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var path = $"api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion={a.Metadata.ResourceVersion}";
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        async Task<System.Text.Json.Nodes.JsonNode> Next() => System.Text.Json.Nodes.JsonNode.Parse((await reader.ReadLineAsync(cts.Token))!)!;

        var initial = new[] { await Next(), await Next() };
        initial.Select(e => ((string?)e["type"], (string?)e["object"]!["metadata"]!["name"])).OrderBy(e => e.Item2).ShouldBe([("ADDED", "a"), ("ADDED", "b")]);
        initial.Single(e => (string?)e["object"]!["metadata"]!["name"] == "a")["object"]!["data"]!["k"]!.GetValue<string>().ShouldBe("2", "the current state, not the history since the given version");
        var end = await Next();
        ((string?)end["type"]).ShouldBe("BOOKMARK");
        ((string?)end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]).ShouldBe("true");
        long.Parse((string)end["object"]!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBeGreaterThanOrEqualTo(initial.Max(e => long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)));

        await Client.ConfigMaps.CreateAsync(Map("live", ns));
        System.Text.Json.Nodes.JsonNode live;
        do
        {
            live = await Next();
        }
        while ((string?)live["type"] == "BOOKMARK");
        ((string?)live["type"], (string?)live["object"]!["metadata"]!["name"]).ShouldBe(("ADDED", "live"));

        // kube-apiserver's validation: a streaming list needs bookmarks and NotOlderThan
        using var noBookmarks = await http.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", UriKind.Relative), cts.Token);
        noBookmarks.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await noBookmarks.Content.ReadAsStringAsync(cts.Token)).ShouldContain("sendInitialEvents requires setting allowWatchBookmarks to true");
        using var noMatch = await http.GetAsync(new Uri($"api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true", UriKind.Relative), cts.Token);
        noMatch.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Without_a_resource_version_the_watch_starts_with_the_current_state_then_live_changes()
    {
        var ns = fixture.NewNamespace();
        await Client.ConfigMaps.CreateAsync(Map("a", ns));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = Client.ConfigMaps.WatchAsync(ns, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.Type.ShouldBe(WatchEventType.Added);
        events.Current.Object.Metadata.Name.ShouldBe("a");

        await Client.ConfigMaps.CreateAsync(Map("live", ns));
        WatchEvent<V1ConfigMap> next;
        do
        {
            (await events.MoveNextAsync()).ShouldBeTrue();
            next = events.Current;
        }
        while (next.Type == WatchEventType.Bookmark);

        next.Type.ShouldBe(WatchEventType.Added);
        next.Object.Metadata.Name.ShouldBe("live");
    }

    [Fact]
    public async Task Idle_watches_get_bookmarks_carrying_the_latest_resource_version()
    {
        var ns = fixture.NewNamespace();
        var created = await Client.ConfigMaps.CreateAsync(Map("a", ns));
        // a change in another namespace moves the global version without an event for this watch
        await Client.ConfigMaps.CreateAsync(Map("elsewhere", fixture.NewNamespace()));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = created.Metadata.ResourceVersion }, cts.Token))
        {
            e.Type.ShouldBe(WatchEventType.Bookmark);
            e.Object.Metadata.Name.ShouldBeNull();
            long.Parse(e.Object.Metadata.ResourceVersion!).ShouldBeGreaterThan(long.Parse(created.Metadata.ResourceVersion!));
            break;
        }
    }

    [Fact]
    public async Task A_resource_version_older_than_the_history_window_gets_ERROR_410_Expired()
    {
        await using var server = await Testing.TestApiServer.StartAsync(new Testing.TestApiServerOptions { WatchHistoryLimit = 2 });
        using var client = new KubernetesClient(Config.KubeClientConfig.ForServer(server.BaseAddress));
        var first = await client.ConfigMaps.CreateAsync(Map("a", "default"));
        for (var i = 0; i < 3; i++)
        {
            await client.ConfigMaps.CreateAsync(Map($"b{i}", "default"));
        }

        var e = await Should.ThrowAsync<KubernetesApiException>(async () =>
        {
            await foreach (var _ in client.ConfigMaps.WatchAsync("default", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion }))
            {
            }
        });
        e.IsGone.ShouldBeTrue();
        e.StatusCode.ShouldBe(HttpStatusCode.Gone);
        e.Status!.Reason.ShouldBe("Expired");
        e.Message.ShouldContain("too old resource version");

        server.Store.CompactHistory();
        var latest = (await client.ConfigMaps.ListAsync("default")).Metadata.ResourceVersion;
        await client.ConfigMaps.CreateAsync(Map("after", "default"));
        await foreach (var ev in client.ConfigMaps.WatchAsync("default", new WatchOptions { ResourceVersion = latest }))
        {
            ev.Object.Metadata.Name.ShouldBe("after", "a watch from the compaction point still works");
            break;
        }
    }

    [Fact]
    public async Task A_dropped_stream_ends_with_an_IO_error_and_resuming_from_the_last_version_loses_nothing()
    {
        var ns = fixture.NewNamespace();
        var start = (await Client.ConfigMaps.ListAsync(ns)).Metadata.ResourceVersion;
        await Client.ConfigMaps.CreateAsync(Map("a", ns));
        string? last = null;
        var seen = new List<string>();
        var failure = await Should.ThrowAsync<Exception>(async () =>
        {
            await foreach (var e in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = start, AllowBookmarks = false }))
            {
                seen.Add(e.Object.Metadata.Name!);
                last = e.Object.Metadata.ResourceVersion;
                fixture.Server.Faults.DropWatches().ShouldBeGreaterThan(0);
                await Client.ConfigMaps.CreateAsync(Map("during-outage", ns));
            }

            throw new InvalidOperationException("the stream ended cleanly instead of dropping");
        });
        failure.ShouldNotBeOfType<InvalidOperationException>();
        (failure is IOException or HttpRequestException || failure.InnerException is IOException).ShouldBeTrue(failure.ToString());

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = last, AllowBookmarks = false }, cts.Token))
        {
            seen.Add(e.Object.Metadata.Name!);
            break;
        }

        seen.ShouldBe(["a", "during-outage"]);
    }

    [Fact]
    public async Task Label_selected_watches_see_objects_enter_and_leave_the_selection()
    {
        var ns = fixture.NewNamespace();
        var start = (await Client.ConfigMaps.ListAsync(ns)).Metadata.ResourceVersion;
        var m = await Client.ConfigMaps.CreateAsync(Map("m", ns));
        m.Metadata.Labels = new Dictionary<string, string>() { ["sel"] = "yes" };
        m = await Client.ConfigMaps.ReplaceAsync(m);
        m.Metadata.Labels = new Dictionary<string, string>() { ["sel"] = "no" };
        await Client.ConfigMaps.ReplaceAsync(m);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var types = new List<WatchEventType>();
        await foreach (var e in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { ResourceVersion = start, LabelSelector = "sel=yes", AllowBookmarks = false }, cts.Token))
        {
            types.Add(e.Type);
            if (types.Count == 2)
            {
                break;
            }
        }

        types.ShouldBe([WatchEventType.Added, WatchEventType.Deleted]);
    }

    [Fact]
    public async Task TimeoutSeconds_ends_the_stream_cleanly()
    {
        var ns = fixture.NewNamespace();
        var started = DateTime.UtcNow;
        var count = 0;
        await foreach (var _ in Client.ConfigMaps.WatchAsync(ns, new WatchOptions { TimeoutSeconds = 1, AllowBookmarks = false }))
        {
            count++;
        }

        count.ShouldBe(0);
        (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(8));
    }
}
