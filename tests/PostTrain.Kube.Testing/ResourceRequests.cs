using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The verbs on one resource path (<c>/api/v1/namespaces/NS/pods/NAME[/status|/log]</c> and the like): get, list,
/// watch, create, update, patch, delete and deletecollection, with server-side Tables, <c>dryRun=All</c>, and the
/// conversions of resources served from another's storage (events.k8s.io Events from core Events).
/// </summary>
internal sealed class ResourceRequests(ObjectStore store, TestApiServerOptions options, WatchStream watches)
{
    private static readonly HttpClient KubeletClient = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Serves one request on <paramref name="type"/>.</summary>
    public async Task HandleAsync(HttpContext context, ResourceType type, string? ns, string? name, string? subresource)
    {
        var query = context.Request.Query;
        var status = subresource == "status";
        var fieldManager = query["fieldManager"].FirstOrDefault();
        var writing = context.Request.Method is not "GET";
        var dryRun = writing && DryRun(query["dryRun"]);
        var fieldValidation = writing ? FieldValidation(query["fieldValidation"]) : null;
        var duplicates = new List<string>();
        WriteOptions Write() => new() { DryRun = dryRun, FieldValidation = fieldValidation, DuplicateFields = duplicates };
        if (subresource == "log")
        {
            await LogAsync(context, type, ns, name!).ConfigureAwait(false);
            return;
        }

        if (subresource == "binding")
        {
            if (context.Request.Method != "POST")
            {
                throw new ApiStatusException(405, "MethodNotAllowed", $"{context.Request.Method} is not supported on {context.Request.Path}");
            }

            var binding = await HttpBodies.ReadObjectAsync(context).ConfigureAwait(false);
            var node = (string?)binding["target"]?["name"] ?? throw ApiStatusException.Invalid(type, name, ("target.name", "Required value"));
            store.Bind(type, ns ?? "", name!, node);
            await HttpBodies.WriteAsync(context, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 }).ConfigureAwait(false);
            return;
        }

        // events.k8s.io Events live in the core Event storage; requests and answers are converted at the edge.
        var events = EventConversion.IsEventsApi(type);
        if (events)
        {
            store.Registry.TryGet("", "v1", "events", out var core);
            type = core;
        }

        Func<JsonObject, JsonObject> output = events ? EventConversion.FromCore : o => o;
        Func<JsonObject, JsonObject> input = events ? EventConversion.ToCore : o => o;
        var fieldSelector = events ? EventConversion.SelectorToCore(query["fieldSelector"].FirstOrDefault()) : query["fieldSelector"].FirstOrDefault();
        var tableVersion = TablePrinter.RequestedVersion(context.Request.Headers.Accept);
        var includeObject = query["includeObject"].FirstOrDefault();
        var now = options.TimeProvider.GetUtcNow();
        switch (context.Request.Method)
        {
            case "GET" when name is null && HttpBodies.IsTrue(query["watch"]):
                await watches.StreamAsync(context, type, ns, output, Selector.ParseFields(fieldSelector)).ConfigureAwait(false);
                return;
            case "GET" when name is null:
                {
                    var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : (int?)null;
                    var list = store.List(type, ns, Selector.ParseLabels(query["labelSelector"]), Selector.ParseFields(fieldSelector), limit, query["continue"]);
                    if (tableVersion is not null)
                    {
                        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().Select(output).ToList();
                        list = TablePrinter.Table(type, items, tableVersion, includeObject, (string?)list["metadata"]?["resourceVersion"] ?? "", (string?)list["metadata"]?["continue"], now);
                    }
                    else if (events)
                    {
                        list = EventConversion.ListFromCore(list);
                    }

                    await HttpBodies.WriteAsync(context, 200, list).ConfigureAwait(false);
                    return;
                }

            case "GET":
                {
                    var obj = output(store.Get(type, ns, name!));
                    if (tableVersion is not null)
                    {
                        obj = TablePrinter.Table(type, [obj], tableVersion, includeObject, (string?)obj["metadata"]?["resourceVersion"] ?? "", null, now);
                    }

                    await HttpBodies.WriteAsync(context, 200, obj).ConfigureAwait(false);
                    return;
                }

            case "POST" when name is null:
                {
                    var body = input(await HttpBodies.ReadObjectAsync(context, duplicates).ConfigureAwait(false));
                    var write = Write();
                    var created = store.Create(type, ns, body, fieldManager, write);
                    await HttpBodies.WriteAsync(context, 201, output(created), write.Warnings).ConfigureAwait(false);
                    return;
                }

            case "PUT" when name is not null:
                {
                    var body = input(await HttpBodies.ReadObjectAsync(context, duplicates).ConfigureAwait(false));
                    var write = Write();
                    var replaced = store.Replace(type, ns, name, body, status, fieldManager, write);
                    await HttpBodies.WriteAsync(context, 200, output(replaced), write.Warnings).ConfigureAwait(false);
                    return;
                }

            case "PATCH" when name is not null:
                {
                    var body = await HttpBodies.ReadJsonAsync(context, duplicates).ConfigureAwait(false);
                    var contentType = context.Request.ContentType ?? "";
                    var write = Write();
                    JsonObject result;
                    if (events)
                    {
                        // The patch speaks events.k8s.io's field names: apply it to that view, store the core form.
                        var current = store.Get(type, ns, name);
                        var patched = JsonPatches.Apply(type, output(current), contentType, body);
                        patched["metadata"]!["resourceVersion"] = current["metadata"]?["resourceVersion"]?.DeepClone();
                        result = store.Replace(type, ns, name, input(patched), status, fieldManager, write);
                    }
                    else
                    {
                        result = store.Patch(type, ns, name, contentType, body, status, fieldManager, HttpBodies.IsTrue(query["force"]), write);
                    }

                    await HttpBodies.WriteAsync(context, 200, output(result), write.Warnings).ConfigureAwait(false);
                    return;
                }

            case "DELETE" when name is not null && !status:
                {
                    var (policy, uid, rv, bodyDryRun, grace) = await ReadDeleteOptionsAsync(context).ConfigureAwait(false);
                    dryRun |= bodyDryRun;
                    await HttpBodies.WriteAsync(context, 200, output(store.Delete(type, ns, name, policy, uid, rv, Write(), grace))).ConfigureAwait(false);
                    return;
                }

            case "DELETE" when name is null:
                {
                    var (policy, _, _, bodyDryRun, grace) = await ReadDeleteOptionsAsync(context).ConfigureAwait(false);
                    dryRun |= bodyDryRun;
                    var list = store.List(type, ns, Selector.ParseLabels(query["labelSelector"]), Selector.ParseFields(fieldSelector), null, null);
                    var deleted = new JsonArray();
                    foreach (var item in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        try
                        {
                            deleted.Add(output(store.Delete(type, (string?)item["metadata"]?["namespace"], (string)item["metadata"]!["name"]!, policy, null, null, Write(), grace)));
                        }
                        catch (ApiStatusException e) when (e.Code == 404)
                        {
                            // removed meanwhile by a cascade
                        }
                    }

                    list["items"] = deleted;
                    await HttpBodies.WriteAsync(context, 200, events ? EventConversion.ListFromCore(list) : list).ConfigureAwait(false);
                    return;
                }

            default:
                throw new ApiStatusException(405, "MethodNotAllowed", $"{context.Request.Method} is not supported on {context.Request.Path}");
        }
    }

    /// <summary><c>fieldValidation</c>: "", Ignore, Warn or Strict; anything else is a 422 on the request's options.</summary>
    private static string? FieldValidation(Microsoft.Extensions.Primitives.StringValues values)
    {
        var value = values.FirstOrDefault();
        if (value is null or "" or "Ignore" or "Warn" or "Strict")
        {
            return value;
        }

        throw new ApiStatusException(422, "Invalid", $"fieldValidation: Unsupported value: \"{value}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    }

    /// <summary><c>dryRun=All</c> (the only value kube accepts besides none) on a write; anything else is a 400 (reads ignore it).</summary>
    private static bool DryRun(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var v in values)
        {
            if (v != "All")
            {
                throw ApiStatusException.BadRequest($"Invalid dry run value: \"{v}\": supported values: \"All\"");
            }
        }

        return values.Count > 0;
    }

    /// <summary>
    /// <c>GET .../pods/NAME/log</c>: the text the node agent recorded for the pod's container, as kubectl logs reads it
    /// (<c>tailLines</c> and <c>container</c> honoured; <c>follow</c> answers what there is so far).
    /// </summary>
    private async Task LogAsync(HttpContext context, ResourceType type, string? ns, string name)
    {
        if (type is not { Group: "", Plural: "pods" } || context.Request.Method != "GET")
        {
            throw new ApiStatusException(405, "MethodNotAllowed", $"{context.Request.Method} is not supported on {context.Request.Path}");
        }

        var pod = store.Get(type, ns, name);
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => (string?)c["name"]).OfType<string>().ToList();
        var container = context.Request.Query["container"].FirstOrDefault();
        if (container is null && containers.Count > 1)
        {
            throw ApiStatusException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
        }

        container ??= containers.FirstOrDefault() ?? "";
        if (containers.Count > 0 && !containers.Contains(container))
        {
            throw ApiStatusException.BadRequest($"container {container} is not valid for pod {name}");
        }

        if (KubeletEndpoint(pod) is { } kubelet)
        {
            // As kube-apiserver does: the node's kubelet serves the container's log; stream its answer through.
            var target = new Uri(kubelet, $"containerLogs/{Uri.EscapeDataString(ns ?? "")}/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(container)}{context.Request.QueryString.Value}");
            using var response = await KubeletClient.GetAsync(target, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = "text/plain";
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
            await body.CopyToAsync(context.Response.Body, 4096, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var text = store.PodLog(ns ?? "", name, container);
        if (int.TryParse(context.Request.Query["tailLines"], NumberStyles.None, CultureInfo.InvariantCulture, out var tail))
        {
            var lines = text.Split('\n');
            var trailing = text.EndsWith('\n');
            var kept = lines.Take(lines.Length - (trailing ? 1 : 0)).TakeLast(tail);
            text = string.Join('\n', kept) + (trailing ? "\n" : "");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The kubelet endpoint of the node running <paramref name="pod"/>: the Node's first address and its
    /// <c>status.daemonEndpoints.kubeletEndpoint.Port</c> (plain HTTP here); null when no node with an endpoint runs it.
    /// </summary>
    private Uri? KubeletEndpoint(JsonObject pod)
    {
        if ((string?)pod["spec"]?["nodeName"] is not { Length: > 0 } nodeName || !store.Registry.TryGet("", "v1", "nodes", out var nodes))
        {
            return null;
        }

        JsonObject node;
        try
        {
            node = store.Get(nodes, null, nodeName);
        }
        catch (ApiStatusException e) when (e.Code == 404)
        {
            return null;
        }

        var port = JsonNumbers.Long(node["status"]?["daemonEndpoints"]?["kubeletEndpoint"]?["Port"]);
        var address = (string?)(node["status"]?["addresses"] as JsonArray ?? []).FirstOrDefault()?["address"];
        return port is > 0 && address is { Length: > 0 } ? new Uri($"http://{address}:{port}/") : null;
    }

    /// <summary>DeleteOptions from the query and the body (kubectl and client-go send dryRun and the policy in the body).</summary>
    private static async Task<(string? Policy, string? Uid, string? ResourceVersion, bool DryRun, long? GracePeriodSeconds)> ReadDeleteOptionsAsync(HttpContext context)
    {
        var policy = context.Request.Query["propagationPolicy"].FirstOrDefault();
        long? grace = long.TryParse(context.Request.Query["gracePeriodSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : null;
        string? uid = null, rv = null;
        var dryRun = false;
        if (await HttpBodies.ReadJsonAsync(context).ConfigureAwait(false) is JsonObject body)
        {
            policy = (string?)body["propagationPolicy"] ?? policy;
            if (body["orphanDependents"] is JsonValue orphan && orphan.GetValue<bool>())
            {
                policy ??= "Orphan";
            }

            uid = (string?)body["preconditions"]?["uid"];
            rv = (string?)body["preconditions"]?["resourceVersion"];
            grace = JsonNumbers.Long(body["gracePeriodSeconds"]) ?? grace;
            if (body["dryRun"] is JsonArray values)
            {
                dryRun = DryRun(new Microsoft.Extensions.Primitives.StringValues([.. values.Select(v => (string?)v)]));
            }
        }

        return (policy, uid, rv, dryRun, grace);
    }
}
