using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>The store's watch history agrees with its lists, whatever the sequence of writes.</summary>
public sealed class WatchHistoryProperties
{
    /// <summary>
    /// For any sequence of creates, updates and deletes, the list taken at some version plus the watch events
    /// replayed after that version rebuild exactly the final list, with strictly increasing resourceVersions.
    /// </summary>
    [Fact]
    public void A_list_at_any_version_plus_the_watch_replay_after_it_equals_the_final_list()
    {
        var ops = Gen.ListOf(Gen.Zip(Gen.Choose(0, 2), Gen.Choose(0, 4), (op, key) => (op, key)));
        var config = FsCheck.Config.QuickThrowOnFailure.WithMaxTest(100);
        Check.One(config, Prop.ForAll(Arb.From(Gen.Zip(ops, Gen.Choose(0, 100), (o, cut) => (o, cut))), input =>
        {
            var (sequence, cutPercent) = input;
            var list = sequence.ToList();
            var registry = new ResourceRegistry();
            registry.TryGet("", "v1", "configmaps", out var maps).ShouldBeTrue();
            var store = new ObjectStore(registry);
            registry.TryGet("", "v1", "namespaces", out var namespaces).ShouldBeTrue();
            store.Create(namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ns" } }, null);
            var cutAt = list.Count * cutPercent / 100;
            Dictionary<string, string>? snapshot = null;
            string? snapshotVersion = null;
            for (var i = 0; i <= list.Count; i++)
            {
                if (i == cutAt)
                {
                    var listed = store.List(maps, "ns", Selector.Everything, Selector.Everything, null, null);
                    snapshot = Items(listed);
                    snapshotVersion = (string?)listed["metadata"]!["resourceVersion"];
                }

                if (i == list.Count)
                {
                    break;
                }

                var (op, key) = list[i];
                var name = $"k{key}";
                var exists = store.List(maps, "ns", Selector.Everything, Selector.Everything, null, null)["items"]!.AsArray().Any(o => (string?)o!["metadata"]!["name"] == name);
                switch (op)
                {
                    case 0 when !exists:
                        store.Create(maps, "ns", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["v"] = $"{i}" } }, null);
                        break;
                    case 1 when exists:
                        store.Patch(maps, "ns", name, "application/merge-patch+json", new JsonObject { ["data"] = new JsonObject { ["v"] = $"{i}" } }, false, null, false);
                        break;
                    case 2 when exists:
                        store.Delete(maps, "ns", name, null, null, null);
                        break;
                }
            }

            using var watch = store.Watch(maps, "ns", snapshotVersion);
            var rebuilt = new Dictionary<string, string>(snapshot!);
            var last = long.Parse(snapshotVersion!);
            foreach (var e in watch.Initial)
            {
                if (e.ResourceVersion <= last)
                {
                    return false;
                }

                last = e.ResourceVersion;
                var name = (string)e.Object["metadata"]!["name"]!;
                if (e.Type == "DELETED")
                {
                    rebuilt.Remove(name);
                }
                else
                {
                    rebuilt[name] = (string)e.Object["metadata"]!["resourceVersion"]!;
                }
            }

            var final = Items(store.List(maps, "ns", Selector.Everything, Selector.Everything, null, null));
            return final.Count == rebuilt.Count && final.All(p => rebuilt.TryGetValue(p.Key, out var v) && v == p.Value);
        }));
    }

    private static Dictionary<string, string> Items(JsonObject list) =>
        list["items"]!.AsArray().ToDictionary(o => (string)o!["metadata"]!["name"]!, o => (string)o!["metadata"]!["resourceVersion"]!);
}
