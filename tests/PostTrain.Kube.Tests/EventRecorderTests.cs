using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using PostTrain.Kube.Events;

namespace PostTrain.Kube.Tests;

/// <summary>The events.k8s.io/v1 recorder: fields, and repeats folded into a series.</summary>
public sealed class EventRecorderTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Repeats_fold_into_one_event_with_a_series_and_new_reasons_make_new_events()
    {
        var ns = fixture.NewNamespace();
        var target = await fixture.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "target", NamespaceProperty = ns } });
        var time = new FakeTimeProvider();
        var recorder = new EventRecorder(fixture.Client, "example.com/test-controller", "pod-0", time: time);

        var first = await recorder.RecordAsync(target, EventRecorder.Normal, "Created", "Create", "created the thing");
        first!.Series.ShouldBeNull();
        first.Regarding!.Name.ShouldBe("target");
        first.Regarding.Uid.ShouldBe(target.Metadata.Uid);
        first.ReportingController.ShouldBe("example.com/test-controller");
        first.EventTime.ShouldBe(time.GetUtcNow().UtcDateTime);

        time.Advance(TimeSpan.FromSeconds(5));
        await recorder.RecordAsync(target, EventRecorder.Normal, "Created", "Create", "created the thing");
        time.Advance(TimeSpan.FromSeconds(5));
        var third = await recorder.RecordAsync(target, EventRecorder.Normal, "Created", "Create", "created the thing");
        third!.Metadata.Name.ShouldBe(first.Metadata.Name);
        third.Series!.Count.ShouldBe(3);
        third.Series.LastObservedTime.ShouldBe(time.GetUtcNow().UtcDateTime);

        await recorder.RecordAsync(target, EventRecorder.Warning, "Failed", "Run", "it broke");
        var events = (await fixture.Client.Events.ListAsync(ns)).Items;
        events.Count.ShouldBe(2);
        events.Single(e => e.Reason == "Failed").Type.ShouldBe("Warning");

        time.Advance(TimeSpan.FromMinutes(10));
        var late = await recorder.RecordAsync(target, EventRecorder.Normal, "Created", "Create", "created the thing");
        late!.Metadata.Name.ShouldNotBe(first.Metadata.Name, "after the series window a repeat starts a new event");
    }

    [Fact]
    public async Task Failures_are_logged_not_thrown_and_notes_are_capped_at_1_kB()
    {
        var ns = fixture.NewNamespace();
        var target = await fixture.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "t", NamespaceProperty = ns } });
        var recorder = new EventRecorder(fixture.Client, "example.com/c", "i");
        var long1 = await recorder.RecordAsync(target, EventRecorder.Normal, "Big", "Note", new string('x', 5000));
        long1!.Note!.Length.ShouldBe(1024);

        fixture.Server.Faults.FailNext(1, 500, match: r => r.Path.Value!.Contains("/events", StringComparison.Ordinal));
        (await recorder.RecordAsync(target, EventRecorder.Normal, "Lost", "Drop", "n")).ShouldBeNull();
        Should.Throw<ArgumentException>(() => recorder.RecordAsync(target, "Info", "R", "A", "n"));
    }
}
