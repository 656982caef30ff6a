using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using PostTrain.Operator.Controllers;

namespace PostTrain.Operator.Tests;

/// <summary>What the operator remembers while its informer caches lag behind its own writes.</summary>
public sealed class CacheMemoryTests
{
    [Fact]
    public void A_created_child_is_remembered_until_the_cache_shows_it_or_its_lifetime_ends()
    {
        var time = new FakeTimeProvider();
        var expectations = new ChildExpectations(time);
        var job = new V1Job { Metadata = new V1ObjectMeta { Name = "x-sft", NamespaceProperty = "ns" } };
        expectations.Created(job);
        expectations.Get<V1Job>("ns", "x-sft").ShouldBeSameAs(job);
        expectations.Get<V1ConfigMap>("ns", "x-sft").ShouldBeNull("kinds are kept apart");
        expectations.Get<V1Job>("other", "x-sft").ShouldBeNull();

        expectations.Observed<V1Job>("ns", "x-sft");
        expectations.Get<V1Job>("ns", "x-sft").ShouldBeNull();

        expectations.Created(job);
        time.Advance(expectations.Lifetime + TimeSpan.FromSeconds(1));
        expectations.Get<V1Job>("ns", "x-sft").ShouldBeNull("an old entry is forgotten");
        expectations.Count.ShouldBe(0);
    }

    [Fact]
    public void A_status_write_is_skipped_only_while_the_cache_still_shows_the_version_before_it()
    {
        var writes = new StatusWrites(new FakeTimeProvider());
        var pending = new JsonObject { ["phase"] = "Pending" };
        writes.Record("uid-1", before: "10", after: "11", pending);

        writes.AlreadyWritten("uid-1", "10", new JsonObject { ["phase"] = "Pending" }).ShouldBeTrue("the cache lags: the same write would be a 409");
        writes.AlreadyWritten("uid-1", "10", new JsonObject { ["phase"] = "Running" }).ShouldBeFalse("a different status is written");
        writes.AlreadyWritten("uid-2", "10", pending).ShouldBeFalse();
        writes.AlreadyWritten("uid-1", "11", pending).ShouldBeFalse("the cache caught up");
        writes.Count.ShouldBe(0, "and the entry is gone");
        writes.AlreadyWritten("uid-1", "10", pending).ShouldBeFalse();
    }
}
