using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;

namespace PostTrain.Kube.Tests;

/// <summary>
/// ResourceClient.WatchAsync over the official Watcher's decoding, on streams a real server could send: events in order
/// (bookmarks included, blank lines skipped), the server's ERROR event as a KubernetesApiException, and a broken line ending the stream.
/// </summary>
public sealed class WatchDecodingTests
{
    private const string Added = """{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"team","resourceVersion":"5"},"data":{"k":"v"}}}""";
    private const string Bookmark = """{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"9"}}}""";
    private const string Gone = """{"type":"ERROR","object":{"apiVersion":"v1","kind":"Status","status":"Failure","message":"too old resource version: 1 (9)","reason":"Expired","code":410}}""";

    [Fact]
    public async Task Events_arrive_in_order_and_the_request_carries_the_watch_query()
    {
        using var stream = new StreamHandler(Added, "", Bookmark);
        using var client = Client(stream);

        var events = await Collect(client, new WatchOptions { ResourceVersion = "4", AllowBookmarks = true, LabelSelector = "app=x" });

        events.Select(e => e.Type).ShouldBe([WatchEventType.Added, WatchEventType.Bookmark]);
        events[0].Object.Metadata.Name.ShouldBe("a");
        events[0].Object.Data["k"].ShouldBe("v");
        events[1].Object.Metadata.ResourceVersion.ShouldBe("9");
        stream.Request!.RequestUri!.Query.ShouldBe("?watch=1&resourceVersion=4&allowWatchBookmarks=true&labelSelector=app%3Dx");
    }

    [Fact]
    public async Task The_servers_error_event_ends_the_stream_as_410_Gone_after_the_events_before_it()
    {
        using var client = Client(new StreamHandler(Added, Gone, Added));
        var seen = new List<string>();

        var error = await Should.ThrowAsync<KubernetesApiException>(async () =>
        {
            await foreach (var e in client.ConfigMaps.WatchAsync("team"))
            {
                seen.Add(e.Object.Metadata.Name);
            }
        });

        seen.ShouldBe(["a"]);
        error.IsGone.ShouldBeTrue();
        error.Status!.Reason.ShouldBe("Expired");
        error.Message.ShouldContain("too old resource version");
    }

    [Fact]
    public async Task A_line_that_is_not_an_event_ends_the_stream_with_a_clear_error()
    {
        using var client = Client(new StreamHandler(Added, "{not json", Added));

        var error = await Should.ThrowAsync<KubernetesApiException>(() => Collect(client, null));

        error.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        error.Message.ShouldContain("watch event that is not the expected JSON");
    }

    private static KubernetesClient Client(StreamHandler handler) =>
        new(KubeClientConfig.ForServer(new Uri("http://api.test"), ns: "team"), handlers: handler);

    private static async Task<List<WatchEvent<V1ConfigMap>>> Collect(KubernetesClient client, WatchOptions? options)
    {
        var events = new List<WatchEvent<V1ConfigMap>>();
        await foreach (var e in client.ConfigMaps.WatchAsync("team", options))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>Answers one watch request with the given lines, then ends the stream as a server closing it does.</summary>
    private sealed class StreamHandler(params string[] lines) : DelegatingHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            var body = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StreamContent(body) });
        }
    }
}
