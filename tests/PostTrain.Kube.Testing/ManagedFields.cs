using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// A simplified server-side apply field manager: ownership of leaf fields per (manager, operation, subresource),
/// stored in metadata.managedFields as FieldsV1. Lists are atomic (owned as one leaf); there are no list-map keys.
/// </summary>
internal static class ManagedFields
{
    private const char Separator = '\u001f';

    internal sealed record Entry(string Manager, string Operation, string Subresource, HashSet<string> Fields);

    /// <summary>The leaf paths of an object within a scope (main resource or the status subresource).</summary>
    public static HashSet<string> Leaves(JsonObject obj, bool statusScope, bool hasStatus)
    {
        var leaves = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (key == "metadata")
            {
                if (!statusScope && value is JsonObject meta)
                {
                    foreach (var sub in new[] { "labels", "annotations" })
                    {
                        if (meta[sub] is JsonObject map)
                        {
                            foreach (var (k, _) in map)
                            {
                                leaves.Add(Join("metadata", sub, k));
                            }
                        }
                    }

                    foreach (var sub in new[] { "finalizers", "ownerReferences" })
                    {
                        if (meta[sub] is not null)
                        {
                            leaves.Add(Join("metadata", sub));
                        }
                    }
                }

                continue;
            }

            var isStatus = key == "status";
            if (statusScope != isStatus && (hasStatus || statusScope))
            {
                continue;
            }

            Collect(value, key, leaves);
        }

        return leaves;
    }

    public static List<Entry> Read(JsonObject obj)
    {
        var entries = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray array)
        {
            return entries;
        }

        foreach (var item in array.OfType<JsonObject>())
        {
            var fields = new HashSet<string>(StringComparer.Ordinal);
            if (item["fieldsV1"] is JsonObject v1)
            {
                FromFieldsV1(v1, "", fields);
            }

            entries.Add(new Entry((string?)item["manager"] ?? "", (string?)item["operation"] ?? "Update", (string?)item["subresource"] ?? "", fields));
        }

        return entries;
    }

    public static void Write(JsonObject obj, List<Entry> entries, string apiVersion, string time)
    {
        var meta = (JsonObject)obj["metadata"]!;
        var array = new JsonArray();
        foreach (var e in entries.Where(e => e.Fields.Count > 0))
        {
            var item = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = apiVersion,
                ["time"] = time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = ToFieldsV1(e.Fields),
            };
            if (e.Subresource.Length > 0)
            {
                item["subresource"] = e.Subresource;
            }

            array.Add(item);
        }

        if (array.Count == 0)
        {
            meta.Remove("managedFields");
        }
        else
        {
            meta["managedFields"] = array;
        }
    }

    /// <summary>
    /// Merges an applied configuration into the current object, checking conflicts with other managers.
    /// Returns the merged object (managedFields updated); throws a 409 Conflict listing the conflicting fields.
    /// </summary>
    public static JsonObject Apply(ResourceType type, JsonObject current, JsonObject applied, string manager, bool force, bool statusScope, string time)
    {
        var subresource = statusScope ? "status" : "";
        var entries = Read(current);
        var appliedLeaves = Leaves(applied, statusScope, type.HasStatus);
        var conflicts = new List<(string Manager, string Path)>();
        foreach (var path in appliedLeaves)
        {
            var currentValue = Get(current, path);
            if (currentValue is null || JsonNode.DeepEquals(currentValue, Get(applied, path)))
            {
                continue;
            }

            foreach (var e in entries)
            {
                if (e.Manager == manager || !e.Fields.Any(f => Overlaps(f, path)))
                {
                    continue;
                }

                if (force)
                {
                    e.Fields.RemoveWhere(f => Overlaps(f, path));
                }
                else
                {
                    conflicts.Add((e.Manager, path));
                }
            }
        }

        if (conflicts.Count > 0)
        {
            var causes = new JsonArray();
            foreach (var (m, p) in conflicts)
            {
                causes.Add(new JsonObject { ["reason"] = "FieldManagerConflict", ["message"] = $"conflict with \"{m}\"", ["field"] = Display(p) });
            }

            var name = (string?)current["metadata"]?["name"];
            var details = ApiStatusException.DetailsFor(type, name);
            details["causes"] = causes;
            var list = string.Join("\n", conflicts.Select(c => $"- conflict with \"{c.Manager}\": {Display(c.Path)}"));
            throw new ApiStatusException(409, "Conflict", $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}:\n{list}", details);
        }

        var merged = (JsonObject)Merge(current, applied)!;
        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Apply" && e.Subresource == subresource);
        if (mine is not null)
        {
            foreach (var old in mine.Fields.Where(f => !appliedLeaves.Contains(f)))
            {
                if (!entries.Any(e => !ReferenceEquals(e, mine) && e.Fields.Any(f => Overlaps(f, old))))
                {
                    Remove(merged, old);
                }
            }

            entries.Remove(mine);
        }

        entries.Add(new Entry(manager, "Apply", subresource, appliedLeaves));
        Write(merged, entries, type.ApiVersion, time);
        return merged;
    }

    /// <summary>Records the leaves an update changed as owned by its manager, taking them from others.</summary>
    public static void RecordUpdate(ResourceType type, JsonObject before, JsonObject after, string manager, bool statusScope, string time)
    {
        var subresource = statusScope ? "status" : "";
        var entries = Read(after);
        var beforeLeaves = Leaves(before, statusScope, type.HasStatus);
        var afterLeaves = Leaves(after, statusScope, type.HasStatus);
        var changed = afterLeaves.Where(p => !JsonNode.DeepEquals(Get(before, p), Get(after, p))).ToHashSet(StringComparer.Ordinal);
        var removed = beforeLeaves.Where(p => !afterLeaves.Contains(p)).ToList();
        if (changed.Count == 0 && removed.Count == 0)
        {
            return;
        }

        foreach (var e in entries)
        {
            e.Fields.RemoveWhere(f => changed.Contains(f) || removed.Contains(f));
        }

        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == "Update" && e.Subresource == subresource);
        if (mine is null)
        {
            mine = new Entry(manager, "Update", subresource, new HashSet<string>(StringComparer.Ordinal));
            entries.Add(mine);
        }

        mine.Fields.UnionWith(changed);
        Write(after, entries, type.ApiVersion, time);
    }

    private static JsonNode? Merge(JsonNode? current, JsonNode? applied)
    {
        if (current is JsonObject c && applied is JsonObject a)
        {
            var result = (JsonObject)c.DeepClone();
            foreach (var (key, value) in a)
            {
                result[key] = Merge(result[key], value);
            }

            return result;
        }

        return applied?.DeepClone();
    }

    private static void Collect(JsonNode? node, string path, HashSet<string> leaves)
    {
        if (node is JsonObject o && o.Count > 0)
        {
            foreach (var (key, value) in o)
            {
                Collect(value, path + Separator + key, leaves);
            }
        }
        else
        {
            leaves.Add(path);
        }
    }

    private static string Join(params string[] parts) => string.Join(Separator, parts);

    private static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + Separator, StringComparison.Ordinal) || b.StartsWith(a + Separator, StringComparison.Ordinal);

    private static string Display(string path) => "." + path.Replace(Separator, '.');

    internal static JsonNode? Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split(Separator))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node))
            {
                return null;
            }
        }

        return node;
    }

    private static void Remove(JsonObject obj, string path)
    {
        var parts = path.Split(Separator);
        JsonNode? node = obj;
        foreach (var part in parts[..^1])
        {
            node = node is JsonObject o ? o[part] : null;
        }

        (node as JsonObject)?.Remove(parts[^1]);
    }

    private static JsonObject ToFieldsV1(HashSet<string> fields)
    {
        var root = new JsonObject();
        foreach (var path in fields.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var part in path.Split(Separator))
            {
                var key = "f:" + part;
                if (node[key] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[key] = child;
                }

                node = child;
            }
        }

        return root;
    }

    private static void FromFieldsV1(JsonObject node, string prefix, HashSet<string> fields)
    {
        foreach (var (key, value) in node)
        {
            if (!key.StartsWith("f:", StringComparison.Ordinal))
            {
                continue;
            }

            var path = prefix.Length == 0 ? key[2..] : prefix + Separator + key[2..];
            if (value is JsonObject child && child.Count > 0)
            {
                FromFieldsV1(child, path, fields);
            }
            else
            {
                fields.Add(path);
            }
        }
    }
}
