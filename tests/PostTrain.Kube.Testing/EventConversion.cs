using System.Text.Json.Nodes;

namespace PostTrain.Kube.Testing;

/// <summary>
/// kube-apiserver stores Events once and serves them through two APIs, core/v1 and events.k8s.io/v1, converting
/// between their field names. The test API server does the same: events written through either API are seen through
/// both, so <c>kubectl describe</c> (core/v1, by <c>involvedObject</c>) shows what an operator recorded with
/// events.k8s.io/v1 (<c>regarding</c>, <c>note</c>).
/// </summary>
internal static class EventConversion
{
    /// <summary>events.k8s.io/v1 field ↔ core/v1 field.</summary>
    private static readonly (string V1, string Core)[] Renames =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    /// <summary>Whether <paramref name="type"/> is events.k8s.io's Event, served from the core Event storage.</summary>
    public static bool IsEventsApi(ResourceType type) => type is { Group: "events.k8s.io", Plural: "events" };

    /// <summary>An events.k8s.io/v1 Event as the core/v1 Event it is stored as.</summary>
    public static JsonObject ToCore(JsonObject v1)
    {
        var core = Rename(v1, fromV1: true);
        core["apiVersion"] = "v1";
        core["kind"] = "Event";
        return core;
    }

    /// <summary>A stored core/v1 Event as the events.k8s.io/v1 Event clients of that API see.</summary>
    public static JsonObject FromCore(JsonObject core)
    {
        var v1 = Rename(core, fromV1: false);
        v1["apiVersion"] = "events.k8s.io/v1";
        v1["kind"] = "Event";
        return v1;
    }

    /// <summary>A list of core Events (an EventList) as an events.k8s.io/v1 EventList.</summary>
    public static JsonObject ListFromCore(JsonObject list)
    {
        var converted = new JsonObject
        {
            ["kind"] = "EventList",
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = list["metadata"]?.DeepClone(),
            ["items"] = new JsonArray([.. (list["items"] as JsonArray ?? []).OfType<JsonObject>().Select(i => (JsonNode?)FromCore(i))]),
        };
        return converted;
    }

    /// <summary>An events.k8s.io/v1 field selector (<c>regarding.name=x</c>) in core/v1 field names (<c>involvedObject.name=x</c>).</summary>
    public static string? SelectorToCore(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return selector;
        }

        var parts = selector.Split(',').Select(part =>
        {
            foreach (var (v1, core) in Renames)
            {
                if (part.StartsWith(v1 + ".", StringComparison.Ordinal) || part.StartsWith(v1 + "=", StringComparison.Ordinal) || part.StartsWith(v1 + "!", StringComparison.Ordinal))
                {
                    return core + part[v1.Length..];
                }
            }

            return part;
        });
        return string.Join(",", parts);
    }

    private static JsonObject Rename(JsonObject source, bool fromV1)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            var target = key;
            foreach (var (v1, core) in Renames)
            {
                if (fromV1 && key == v1)
                {
                    target = core;
                }
                else if (!fromV1 && key == core)
                {
                    target = v1;
                }
            }

            result[target] = value?.DeepClone();
        }

        return result;
    }
}
