using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PostTrain.Kube.Testing;

/// <summary>
/// A watch stream as kube-apiserver writes it: one JSON event per line (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR),
/// selectors applied to the old and new object so that objects entering or leaving a selector appear as ADDED or
/// DELETED, <c>timeoutSeconds</c> ending the stream cleanly, and Tables when the client asks for them. A streaming
/// list (<c>sendInitialEvents=true</c>, which client-go's reflectors and helm's readiness watcher use) sends the
/// current objects as ADDED events, then a BOOKMARK annotated <c>k8s.io/initial-events-end: "true"</c>, then changes.
/// </summary>
internal sealed class WatchStream(ObjectStore store, FaultInjector faults, TestApiServerOptions options)
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    /// <summary>Streams the watch of <paramref name="type"/> (in <paramref name="ns"/>), each object passed through <paramref name="output"/>.</summary>
    public async Task StreamAsync(HttpContext context, ResourceType type, string? ns, Func<JsonObject, JsonObject> output, Selector fields)
    {
        var query = context.Request.Query;
        var labels = Selector.ParseLabels(query["labelSelector"]);
        var filtered = !ReferenceEquals(labels, Selector.Everything) || !ReferenceEquals(fields, Selector.Everything);
        var bookmarks = HttpBodies.IsTrue(query["allowWatchBookmarks"]);
        var tableVersion = TablePrinter.RequestedVersion(context.Request.Headers.Accept);
        var includeObject = query["includeObject"].FirstOrDefault();
        var initialEvents = HttpBodies.IsTrue(query["sendInitialEvents"]);
        if (query.ContainsKey("sendInitialEvents") || query.ContainsKey("resourceVersionMatch"))
        {
            // kube-apiserver's validation of a watch's list options
            if (initialEvents && !bookmarks)
            {
                throw ApiStatusException.Invalid(type, null, ("allowWatchBookmarks", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"));
            }

            if (query.ContainsKey("sendInitialEvents") && query["resourceVersionMatch"] != "NotOlderThan")
            {
                throw ApiStatusException.Invalid(type, null, ("resourceVersionMatch", "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
            }

            if (!query.ContainsKey("sendInitialEvents"))
            {
                throw ApiStatusException.Invalid(type, null, ("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(type, ns, query["resourceVersion"].FirstOrDefault(), initialEvents);
        }
        catch (ApiStatusException e) when (e.Code == 410)
        {
            await WriteLineAsync(response, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }.ToJsonString(HttpBodies.Wire), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var _ = subscription;
        using var dropped = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var tracking = faults.TrackWatch(dropped);
        using var timeout = new CancellationTokenSource();
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        using var ending = CancellationTokenSource.CreateLinkedTokenSource(dropped.Token, timeout.Token);
        try
        {
            await response.StartAsync(ending.Token).ConfigureAwait(false);
            foreach (var e in subscription.Initial)
            {
                await SendAsync(e).ConfigureAwait(false);
            }

            if (initialEvents)
            {
                await WriteLineAsync(response, Bookmark(subscription.StartVersion, initialEventsEnd: true).ToJsonString(HttpBodies.Wire), ending.Token).ConfigureAwait(false);
            }

            await response.Body.FlushAsync(ending.Token).ConfigureAwait(false);
            while (!ending.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ending.Token);
                tick.CancelAfter(options.BookmarkInterval);
                bool more;
                try
                {
                    more = await subscription.Events.WaitToReadAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ending.IsCancellationRequested)
                {
                    if (bookmarks && store.BookmarkVersion(subscription) is { } version)
                    {
                        await WriteLineAsync(response, Bookmark(version, initialEventsEnd: false).ToJsonString(HttpBodies.Wire), ending.Token).ConfigureAwait(false);
                    }

                    continue;
                }

                if (!more)
                {
                    break;
                }

                while (subscription.Events.TryRead(out var e))
                {
                    await SendAsync(e).ConfigureAwait(false);
                }

                await response.Body.FlushAsync(ending.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !dropped.IsCancellationRequested)
        {
            // timeoutSeconds elapsed: end the stream cleanly, as kube-apiserver does
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // client went away
        }

        if (dropped.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }

        JsonObject Bookmark(long version, bool initialEventsEnd)
        {
            var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
            if (initialEventsEnd)
            {
                metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            return new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = metadata },
            };
        }

        async Task SendAsync(StoreEvent e)
        {
            var typeName = e.Type;
            if (filtered)
            {
                bool Match(JsonObject o) => labels.Matches(o) && fields.Matches(o);
                var now = Match(e.Object);
                var before = e.Previous is not null && Match(e.Previous);
                typeName = e.Type switch
                {
                    "ADDED" => now ? "ADDED" : null,
                    "DELETED" => now || before ? "DELETED" : null,
                    _ => (before, now) switch { (true, true) => "MODIFIED", (false, true) => "ADDED", (true, false) => "DELETED", _ => null },
                };
            }

            if (typeName is not null)
            {
                var shown = output(e.Object);
                var json = tableVersion is not null
                    ? TablePrinter.Table(type, [shown], tableVersion, includeObject, (string?)e.Object["metadata"]?["resourceVersion"] ?? "", null, options.TimeProvider.GetUtcNow()).ToJsonString(HttpBodies.Wire)
                    : ReferenceEquals(shown, e.Object) ? e.Json : shown.ToJsonString(HttpBodies.Wire);
                await WriteLineAsync(response, $"{{\"type\":\"{typeName}\",\"object\":{json}}}", ending.Token).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteLineAsync(HttpResponse response, string line, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(Newline, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
