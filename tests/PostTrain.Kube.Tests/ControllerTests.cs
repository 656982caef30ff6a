using System.Collections.Concurrent;
using k8s.Models;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Queue;

namespace PostTrain.Kube.Tests;

/// <summary>Controllers: reconcile results, owned-children mapping, finalizers and owner references.</summary>
public sealed class ControllerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private sealed class ScriptedReconciler(Func<ReconcileRequest, int, ReconcileResult> script) : IReconciler
    {
        public ConcurrentDictionary<string, int> Calls { get; } = new();

        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
        {
            var n = Calls.AddOrUpdate(request.ToString(), 1, (_, c) => c + 1);
            return Task.FromResult(script(request, n));
        }
    }

    private static ControllerOptions Fast => new()
    {
        Workers = 2,
        RateLimiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50)),
    };

    private static InformerOptions In(string ns) => new() { Namespace = ns, InitialBackoff = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task Results_drive_requeues_done_requeue_after_error_and_terminal()
    {
        var ns = fixture.NewNamespace();
        foreach (var name in new[] { "done", "poll", "flaky", "broken" })
        {
            await fixture.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } });
        }

        var reconciler = new ScriptedReconciler((request, n) => request.Name switch
        {
            "poll" when n < 3 => ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(30)),
            "flaky" when n < 4 => ReconcileResult.Error(new InvalidOperationException("transient")),
            "broken" => n == 1 ? throw new InvalidOperationException("thrown") : ReconcileResult.Terminal(new InvalidOperationException("bad spec")),
            _ => ReconcileResult.Done,
        });
        var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, In(ns));
        var controller = new Controller<V1ConfigMap>("test", informer, reconciler, Fast);
        var handled = 0;
        controller.Reconciled += (_, _, _) => Interlocked.Increment(ref handled);
        using var meter = new System.Diagnostics.Metrics.Meter("test.controller." + ns);
        new ControllerMetrics(meter, "example").Attach(controller);
        var counted = new ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == "result")
                {
                    counted.AddOrUpdate($"{instrument.Name}/{t.Value}", value, (_, c) => c + value);
                }
            }
        });
        listener.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var runs = Task.WhenAll(informer.RunAsync(cts.Token), controller.RunAsync(cts.Token));

        await Eventually.TrueAsync(() => reconciler.Calls.GetValueOrDefault($"{ns}/poll") == 3 && reconciler.Calls.GetValueOrDefault($"{ns}/flaky") == 4 && reconciler.Calls.GetValueOrDefault($"{ns}/broken") == 2, "requeues happen");

        // No sleep to see that nothing more comes: once all 10 results are handled (Reconciled fires after the queue
        // action) and the queue holds nothing ready and nothing delayed, no reconcile can follow without a watch event.
        await Eventually.TrueAsync(() => handled == 10 && controller.Queue.Count == 0 && controller.Queue.WaitingCount == 0, "every result handled, nothing queued or waiting");
        reconciler.Calls[$"{ns}/done"].ShouldBe(1);
        reconciler.Calls[$"{ns}/poll"].ShouldBe(3);
        reconciler.Calls[$"{ns}/flaky"].ShouldBe(4);
        reconciler.Calls[$"{ns}/broken"].ShouldBe(2, "a thrown exception is retried, a terminal error is not");
        controller.Queue.NumRequeues($"{ns}/flaky").ShouldBe(0, "success forgets the failures");
        controller.ErrorCount.ShouldBe(5);
        counted["example_reconcile_total/error"].ShouldBe(4);
        counted["example_reconcile_total/terminal_error"].ShouldBe(1);
        counted["example_reconcile_total/requeue_after"].ShouldBe(2);

        await cts.CancelAsync();
        await runs;
    }

    [Fact]
    public async Task Changes_to_owned_children_reconcile_their_controller_owner()
    {
        var ns = fixture.NewNamespace();
        await EnsureWidgetCrdAsync();
        var owner = await fixture.Client.Resource<Widget>().CreateAsync(Widget.New("owner", ns));
        var reconciler = new ScriptedReconciler((_, _) => ReconcileResult.Done);
        var widgets = new Informer<Widget>(fixture.Client.Resource<Widget>(), In(ns));
        var maps = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, In(ns));
        var controller = new Controller<Widget>("widgets", widgets, reconciler, Fast).Owns(maps);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var runs = Task.WhenAll(widgets.RunAsync(cts.Token), maps.RunAsync(cts.Token), controller.RunAsync(cts.Token));
        await Eventually.TrueAsync(() => reconciler.Calls.GetValueOrDefault($"{ns}/owner") == 1, "initial reconcile");

        var child = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner-config", NamespaceProperty = ns } };
        OwnerReferences.SetControllerReference(owner, child);
        child.Metadata.OwnerReferences![0].BlockOwnerDeletion.ShouldBe(true);
        await fixture.Client.ConfigMaps.CreateAsync(child);
        await Eventually.TrueAsync(() => reconciler.Calls.GetValueOrDefault($"{ns}/owner") >= 2, "child creation maps to the owner");

        var unrelated = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "unowned", NamespaceProperty = ns } };
        await fixture.Client.ConfigMaps.CreateAsync(unrelated);
        await fixture.Client.ConfigMaps.DeleteAsync("owner-config", ns);
        await Eventually.TrueAsync(() => reconciler.Calls.GetValueOrDefault($"{ns}/owner") >= 3, "child deletion maps to the owner");
        reconciler.Calls.ContainsKey($"{ns}/unowned").ShouldBeFalse();
        reconciler.Calls.ContainsKey($"{ns}/owner-config").ShouldBeFalse();

        await cts.CancelAsync();
        await runs;
    }

    [Fact]
    public async Task Finalizer_helpers_support_the_cleanup_before_delete_pattern()
    {
        var ns = fixture.NewNamespace();
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "f", NamespaceProperty = ns } };
        Finalizers.Add(map, "example.com/cleanup").ShouldBeTrue();
        Finalizers.Add(map, "example.com/cleanup").ShouldBeFalse();
        var created = await fixture.Client.ConfigMaps.CreateAsync(map);
        Finalizers.Has(created, "example.com/cleanup").ShouldBeTrue();

        await fixture.Client.ConfigMaps.DeleteAsync("f", ns);
        var deleting = await fixture.Client.ConfigMaps.GetAsync("f", ns);
        Finalizers.IsBeingDeleted(deleting).ShouldBeTrue();
        Finalizers.Remove(deleting, "example.com/cleanup").ShouldBeTrue();
        await fixture.Client.ConfigMaps.ReplaceAsync(deleting);
        (await fixture.Client.ConfigMaps.TryGetAsync("f", ns)).ShouldBeNull();
    }

    [Fact]
    public void Owner_references_refuse_a_second_controller_and_cross_namespace_owners()
    {
        var a = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "n", Uid = "1" } };
        var b = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "b", NamespaceProperty = "n", Uid = "2" } };
        var child = new V1Pod { Metadata = new V1ObjectMeta { Name = "c", NamespaceProperty = "n" } };
        OwnerReferences.SetControllerReference(a, child);
        OwnerReferences.SetControllerReference(a, child);
        child.Metadata.OwnerReferences!.Count.ShouldBe(1);
        OwnerReferences.IsControlledBy(child, a).ShouldBeTrue();
        Should.Throw<InvalidOperationException>(() => OwnerReferences.SetControllerReference(b, child)).Message.ShouldContain("already controlled by ConfigMap a");
        var elsewhere = new V1Pod { Metadata = new V1ObjectMeta { Name = "d", NamespaceProperty = "other" } };
        Should.Throw<ArgumentException>(() => OwnerReferences.SetControllerReference(a, elsewhere));
    }

    private async Task EnsureWidgetCrdAsync()
    {
        try
        {
            await fixture.Client.CustomResourceDefinitions.CreateAsync(Widget.Definition());
        }
        catch (Client.KubernetesApiException e) when (e.IsAlreadyExists)
        {
        }
    }
}
