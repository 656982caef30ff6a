using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over JsonNode trees.</summary>
public static class JsonPatches
{
    /// <summary>
    /// <paramref name="current"/> (an object of <paramref name="type"/>) with a merge patch, a JSON patch or, for built-in
    /// kinds, a strategic merge patch applied. Custom resources have no strategic merge patch (415, as kube-apiserver
    /// answers); built-in kinds without merge keys in the catalogue merge as untagged fields do.
    /// </summary>
    public static JsonObject Apply(ResourceType type, JsonObject current, string contentType, JsonNode? patch)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(current);
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var patched = media switch
        {
            "application/merge-patch+json" => MergePatch(current.DeepClone(), patch),
            "application/strategic-merge-patch+json" when !type.IsCustom => WithoutNulls(Patching.StrategicMergePatch.Apply(current, patch, Patching.BuiltInPatchSchemas.For(type) ?? Patching.BuiltInPatchSchemas.MetadataOnly)),
            "application/json-patch+json" => JsonPatch(current.DeepClone(), patch as JsonArray ?? throw ApiStatusException.BadRequest("json patch body must be an array")),
            _ => throw new ApiStatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {(type.IsCustom ? "" : "application/strategic-merge-patch+json, ")}application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
        };
        return patched as JsonObject ?? throw ApiStatusException.BadRequest("patch did not produce an object");
    }

    /// <summary>
    /// What decoding into a built-in Go type leaves of a strategic merge result: nulls and directive keys
    /// (<c>$patch</c>, <c>$setElementOrder/...</c>, <c>$retainKeys</c>) inside replaced subtrees are dropped.
    /// </summary>
    private static JsonObject WithoutNulls(JsonObject obj)
    {
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            switch (obj[key])
            {
                case null:
                    obj.Remove(key);
                    break;
                case var _ when key.StartsWith('$'):
                    obj.Remove(key);
                    break;
                case JsonObject child:
                    WithoutNulls(child);
                    break;
                case JsonArray array:
                    foreach (var item in array.OfType<JsonObject>())
                    {
                        WithoutNulls(item);
                    }

                    break;
            }
        }

        return obj;
    }

    /// <summary>Applies a merge patch: objects merge recursively, null deletes, anything else replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = MergePatch(result[key], value);
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>Applies a JSON patch document (add, remove, replace, move, copy, test).</summary>
    public static JsonNode? JsonPatch(JsonNode? target, JsonArray operations)
    {
        var doc = target?.DeepClone();
        foreach (var (opNode, index) in operations.Select((o, i) => (o, i)))
        {
            if (opNode is not JsonObject op)
            {
                throw ApiStatusException.BadRequest($"json patch operation {index} is not an object");
            }

            var kind = (string?)op["op"] ?? throw ApiStatusException.BadRequest($"json patch operation {index} has no \"op\"");
            var path = (string?)op["path"] ?? throw ApiStatusException.BadRequest($"json patch operation {index} has no \"path\"");
            switch (kind)
            {
                case "add":
                    doc = Add(doc, path, op["value"]?.DeepClone(), index);
                    break;
                case "remove":
                    doc = Remove(doc, path, index, out _);
                    break;
                case "replace":
                    doc = Remove(doc, path, index, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone(), index);
                    break;
                case "move":
                    {
                        var from = (string?)op["from"] ?? throw ApiStatusException.BadRequest($"json patch operation {index} has no \"from\"");
                        doc = Remove(doc, from, index, out var moved);
                        doc = Add(doc, path, moved, index);
                        break;
                    }

                case "copy":
                    {
                        var from = (string?)op["from"] ?? throw ApiStatusException.BadRequest($"json patch operation {index} has no \"from\"");
                        doc = Add(doc, path, Get(doc, from, index)?.DeepClone(), index);
                        break;
                    }

                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path, index), op["value"]))
                    {
                        throw new ApiStatusException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }

                    break;
                default:
                    throw ApiStatusException.BadRequest($"json patch operation {index}: unknown op \"{kind}\"");
            }
        }

        return doc;
    }

    private static string[] Tokens(string path) =>
        path.Length == 0 ? [] : path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode? doc, string path, int index)
    {
        var node = doc;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiStatusException(422, "Invalid", $"json patch operation {index}: path {path} does not exist"),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? doc, string path, JsonNode? value, int index)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0)
        {
            return value;
        }

        var parent = Get(doc, Pointer(tokens[..^1]), index);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiStatusException(422, "Invalid", $"json patch operation {index}: cannot add at {path}");
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string path, int index, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        var parent = Get(doc, Pointer(tokens[..^1]), index);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new ApiStatusException(422, "Invalid", $"json patch operation {index}: path {path} does not exist");
        }

        return doc;
    }

    private static string Pointer(string[] tokens) => tokens.Length == 0 ? "" : "/" + string.Join('/', tokens.Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
