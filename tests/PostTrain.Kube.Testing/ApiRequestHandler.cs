using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PostTrain.Kube.Testing.OpenApi;

namespace PostTrain.Kube.Testing;

/// <summary>Maps kube-apiserver REST paths and verbs onto the <see cref="ObjectStore"/>.</summary>
internal sealed class ApiRequestHandler(ObjectStore store, FaultInjector faults, TestApiServerOptions options, ConcurrentQueue<RecordedRequest> requests)
{
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private readonly OpenApiEndpoint _openApi = new(store);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.ContentType, request.Headers.UserAgent.ToString()));
        if (faults.IsPartitioned(request))
        {
            context.Abort();
            return;
        }

        if (faults.TakeFault(request) is { } fault)
        {
            if (fault.RetryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            var reason = fault.StatusCode switch { 429 => "TooManyRequests", 500 => "InternalError", 503 => "ServiceUnavailable", 504 => "Timeout", _ => "InternalError" };
            await WriteAsync(context, fault.StatusCode, ApiStatusException.Status(fault.StatusCode, reason, $"injected fault: {fault.StatusCode}")).ConfigureAwait(false);
            return;
        }

        if (options.Authenticate is { } authenticate && !authenticate(request))
        {
            await WriteAsync(context, 401, ApiStatusException.Status(401, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return;
        }

        try
        {
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (ApiStatusException e)
        {
            await WriteAsync(context, e.Code, e.ToStatus()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or NullReferenceException or InvalidCastException or KeyNotFoundException)
        {
            await WriteAsync(context, 500, ApiStatusException.Status(500, "InternalError", $"test API server bug: {e}")).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        switch (segments)
        {
            case ["healthz"] or ["readyz"] or ["livez"]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok").ConfigureAwait(false);
                return;
            case ["version"]:
                await WriteAsync(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "34", ["gitVersion"] = "v1.34.0-test" }).ConfigureAwait(false);
                return;
            case ["api"]:
                await WriteAsync(context, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") }).ConfigureAwait(false);
                return;
            case ["apis"]:
                await WriteAsync(context, 200, GroupList()).ConfigureAwait(false);
                return;
            case ["openapi", "v2"]:
                await _openApi.ServeV2Async(context).ConfigureAwait(false);
                return;
            case ["openapi", "v3"]:
                await _openApi.ServeDiscoveryAsync(context).ConfigureAwait(false);
                return;
            case ["openapi", "v3", .. var groupVersion]:
                await _openApi.ServeGroupVersionAsync(context, string.Join('/', groupVersion)).ConfigureAwait(false);
                return;
            case ["api", var v]:
                await WriteAsync(context, 200, ResourceList("", v)).ConfigureAwait(false);
                return;
            case ["apis", var g, var v]:
                await WriteAsync(context, 200, ResourceList(g, v)).ConfigureAwait(false);
                return;
        }

        string group, version;
        string[] rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})");
        }

        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (!store.Registry.TryGet(group, version, rest[0], out var type))
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource (resource \"{rest[0]}\" in {(group.Length == 0 ? version : group + "/" + version)})");
        }

        if (ns is not null && !type.Namespaced)
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({type.QualifiedName} is cluster-scoped)");
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? rest[2] : null;
        if (rest.Length > 3 || (subresource is not null && subresource != "status"))
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})");
        }

        if (subresource == "status" && !type.HasStatus)
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({type.QualifiedName} has no status subresource)");
        }

        if (type.Namespaced && name is not null && ns is null)
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({type.QualifiedName} is namespaced; use /namespaces/NS/{type.Plural}/{name})");
        }

        var query = context.Request.Query;
        var status = subresource == "status";
        var fieldManager = query["fieldManager"].FirstOrDefault();
        switch (context.Request.Method)
        {
            case "GET" when name is null && IsTrue(query["watch"]):
                await WatchAsync(context, type, ns).ConfigureAwait(false);
                return;
            case "GET" when name is null:
                {
                    var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : (int?)null;
                    var list = store.List(type, ns, Selector.ParseLabels(query["labelSelector"]), Selector.ParseFields(query["fieldSelector"]), limit, query["continue"]);
                    await WriteAsync(context, 200, list).ConfigureAwait(false);
                    return;
                }

            case "GET":
                await WriteAsync(context, 200, store.Get(type, ns, name!)).ConfigureAwait(false);
                return;
            case "POST" when name is null:
                await WriteAsync(context, 201, store.Create(type, ns, await ReadObjectAsync(context).ConfigureAwait(false), fieldManager)).ConfigureAwait(false);
                return;
            case "PUT" when name is not null:
                await WriteAsync(context, 200, store.Replace(type, ns, name, await ReadObjectAsync(context).ConfigureAwait(false), status, fieldManager)).ConfigureAwait(false);
                return;
            case "PATCH" when name is not null:
                {
                    var body = await ReadBodyAsync(context).ConfigureAwait(false);
                    var force = IsTrue(query["force"]);
                    var result = store.Patch(type, ns, name, context.Request.ContentType ?? "", body, status, fieldManager, force);
                    await WriteAsync(context, 200, result).ConfigureAwait(false);
                    return;
                }

            case "DELETE" when name is not null && !status:
                {
                    var (policy, uid, rv) = await ReadDeleteOptionsAsync(context).ConfigureAwait(false);
                    await WriteAsync(context, 200, store.Delete(type, ns, name, policy, uid, rv)).ConfigureAwait(false);
                    return;
                }

            case "DELETE" when name is null:
                {
                    var (policy, _, _) = await ReadDeleteOptionsAsync(context).ConfigureAwait(false);
                    var list = store.List(type, ns, Selector.ParseLabels(query["labelSelector"]), Selector.ParseFields(query["fieldSelector"]), null, null);
                    var deleted = new JsonArray();
                    foreach (var item in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        try
                        {
                            deleted.Add(store.Delete(type, (string?)item["metadata"]?["namespace"], (string)item["metadata"]!["name"]!, policy, null, null));
                        }
                        catch (ApiStatusException e) when (e.Code == 404)
                        {
                            // removed meanwhile by a cascade
                        }
                    }

                    list["items"] = deleted;
                    await WriteAsync(context, 200, list).ConfigureAwait(false);
                    return;
                }

            default:
                throw new ApiStatusException(405, "MethodNotAllowed", $"{context.Request.Method} is not supported on {context.Request.Path}");
        }
    }

    private async Task WatchAsync(HttpContext context, ResourceType type, string? ns)
    {
        var query = context.Request.Query;
        var labels = Selector.ParseLabels(query["labelSelector"]);
        var fields = Selector.ParseFields(query["fieldSelector"]);
        var filtered = !ReferenceEquals(labels, Selector.Everything) || !ReferenceEquals(fields, Selector.Everything);
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(type, ns, query["resourceVersion"].FirstOrDefault());
        }
        catch (ApiStatusException e) when (e.Code == 410)
        {
            await WriteLineAsync(response, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() }.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
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
                        var bookmark = new JsonObject
                        {
                            ["type"] = "BOOKMARK",
                            ["object"] = new JsonObject
                            {
                                ["kind"] = type.Kind,
                                ["apiVersion"] = type.ApiVersion,
                                ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
                            },
                        };
                        await WriteLineAsync(response, bookmark.ToJsonString(), ending.Token).ConfigureAwait(false);
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
                await WriteLineAsync(response, $"{{\"type\":\"{typeName}\",\"object\":{e.Json}}}", ending.Token).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteLineAsync(HttpResponse response, string line, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(Newline, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var g in store.Registry.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group))
        {
            var versions = new JsonArray(g.Select(t => t.Version).Distinct().Select(v => (JsonNode?)new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v }).ToArray());
            groups.Add(new JsonObject { ["name"] = g.Key, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject ResourceList(string group, string version)
    {
        if (!store.Registry.HasGroupVersion(group, version))
        {
            throw new ApiStatusException(404, "NotFound", $"the server could not find the requested resource ({(group.Length == 0 ? version : group + "/" + version)})");
        }

        var resources = new JsonArray();
        foreach (var t in store.Registry.All.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            resources.Add(new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Kind.ToLowerInvariant(),
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"),
            });
            if (t.HasStatus)
            {
                resources.Add(new JsonObject { ["name"] = t.Plural + "/status", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}", ["resources"] = resources };
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadBodyAsync(context).ConfigureAwait(false) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");

    private static async Task<(string? Policy, string? Uid, string? ResourceVersion)> ReadDeleteOptionsAsync(HttpContext context)
    {
        var policy = context.Request.Query["propagationPolicy"].FirstOrDefault();
        string? uid = null, rv = null;
        if (await ReadBodyAsync(context).ConfigureAwait(false) is JsonObject body)
        {
            policy = (string?)body["propagationPolicy"] ?? policy;
            if (body["orphanDependents"] is JsonValue orphan && orphan.GetValue<bool>())
            {
                policy ??= "Orphan";
            }

            uid = (string?)body["preconditions"]?["uid"];
            rv = (string?)body["preconditions"]?["resourceVersion"];
        }

        return (policy, uid, rv);
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.FirstOrDefault() is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static async Task WriteAsync(HttpContext context, int statusCode, JsonObject body)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
