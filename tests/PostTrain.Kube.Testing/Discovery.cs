using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// The legacy discovery documents kube-apiserver serves (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>,
/// <c>/apis/GROUP/VERSION</c>), with the singular names, short names, categories, verbs and subresources clients use
/// to resolve what a user types (<c>kubectl get po</c>, <c>kubectl get posttrain</c>).
/// </summary>
internal static class Discovery
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>APIVersions for <c>/api</c>.</summary>
    public static JsonObject CoreVersions() => new() { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() };

    /// <summary>APIGroupList for <c>/apis</c>: every group with its versions, the first registered preferred.</summary>
    public static JsonObject GroupList(ResourceRegistry registry)
    {
        var groups = new JsonArray();
        foreach (var g in registry.All.Where(t => t.Group.Length > 0).GroupBy(t => t.Group).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var versions = new JsonArray(g.Select(t => t.Version).Distinct().Select(v => (JsonNode?)new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v }).ToArray());
            groups.Add(new JsonObject { ["name"] = g.Key, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>APIResourceList for one group version; null when the group version is not served.</summary>
    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        if (!registry.HasGroupVersion(group, version))
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var t in registry.All.Where(t => t.Group == group && t.Version == version).OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            var resource = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray([.. AllVerbs.Select(v => (JsonNode?)v)]),
            };
            if (t.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. t.ShortNames.Select(n => (JsonNode?)n)]);
            }

            if (t.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray([.. t.Categories.Select(c => (JsonNode?)c)]);
            }

            resources.Add(resource);
            if (t.HasStatus)
            {
                resources.Add(new JsonObject { ["name"] = t.Plural + "/status", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
            }

            foreach (var sub in t.Subresources)
            {
                resources.Add(new JsonObject { ["name"] = $"{t.Plural}/{sub}", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind, ["verbs"] = new JsonArray("get") });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}", ["resources"] = resources };
    }
}
