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
    private readonly ResourceRequests resources = new(store, options, new WatchStream(store, faults, options));
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
                await WriteAsync(context, 200, Discovery.CoreVersions()).ConfigureAwait(false);
                return;
            case ["apis"]:
                await WriteAsync(context, 200, Discovery.GroupList(store.Registry)).ConfigureAwait(false);
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
                await WriteAsync(context, 200, Discovery.ResourceList(store.Registry, "", v) ?? throw NotServed("", v)).ConfigureAwait(false);
                return;
            case ["apis", var g, var v]:
                await WriteAsync(context, 200, Discovery.ResourceList(store.Registry, g, v) ?? throw NotServed(g, v)).ConfigureAwait(false);
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
        if (rest.Length > 3 || (subresource is not null && subresource != "status" && !type.Subresources.Contains(subresource)))
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

        await resources.HandleAsync(context, type, ns, name, subresource).ConfigureAwait(false);
    }

    private static ApiStatusException NotServed(string group, string version) =>
        new(404, "NotFound", $"the server could not find the requested resource ({(group.Length == 0 ? version : group + "/" + version)})");

    private static Task WriteAsync(HttpContext context, int statusCode, JsonObject body) => HttpBodies.WriteAsync(context, statusCode, body);
}
