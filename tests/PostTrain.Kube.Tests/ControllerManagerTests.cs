using System.Net;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Leader;

namespace PostTrain.Kube.Tests;

/// <summary>The manager: health and readiness, controllers only on the leader, stop on lost leadership.</summary>
public sealed class ControllerManagerTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private sealed class CountingReconciler : IReconciler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(ReconcileResult.Done);
        }
    }

    [Fact]
    public async Task Health_and_readiness_endpoints_follow_the_informers_and_only_the_leader_reconciles()
    {
        var ns = fixture.NewNamespace();
        await fixture.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x", NamespaceProperty = ns } });
        var lease = "mgr-" + Guid.NewGuid().ToString("N")[..6];

        (ControllerManager Manager, CountingReconciler Reconciler, LeaderElector Elector, Controller<V1ConfigMap> Controller) Build(string id)
        {
            var reconciler = new CountingReconciler();
            var informer = new Informer<V1ConfigMap>(fixture.Client.ConfigMaps, new InformerOptions { Namespace = ns });
            var elector = new LeaderElector(fixture.Client, new LeaderElectionOptions { LeaseName = lease, LeaseNamespace = ns, Identity = id, LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(300) });
            var controller = new Controller<V1ConfigMap>("maps", informer, reconciler);
            var manager = new ControllerManager(elector).Add(controller);
            return (manager, reconciler, elector, controller);
        }

        var one = Build("one");
        var two = Build("two");
        one.Manager.IsReady.ShouldBeFalse();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var runOne = one.Manager.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => one.Reconciler.Calls > 0, "leader reconciles");
        var runTwo = two.Manager.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => two.Manager.IsReady, "standby caches sync");

        // No sleep: the standby's informer has handed it the object (it waits in the queue), the elector has seen one's
        // lease, and still nothing was reconciled. The same queued item is what two reconciles once it leads.
        await Eventually.TrueAsync(() => two.Controller.Queue.Count == 1 && two.Elector.ObservedLeader == "one", "the standby has work queued and knows the leader");
        two.Reconciler.Calls.ShouldBe(0, "a standby replica does not reconcile");
        two.Manager.IsHealthy.ShouldBeTrue();
        two.Manager.IsLeader.ShouldBeFalse();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        one.Manager.MapHealthEndpoints(app);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.OK);

        using (fixture.Server.Faults.Partition(r => r.Path.Value!.Contains($"/leases/{lease}", StringComparison.Ordinal) && r.Method == "PUT" && one.Elector.IsLeader))
        {
            await Should.ThrowAsync<LeadershipLostException>(() => runOne.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        one.Manager.IsHealthy.ShouldBeFalse();
        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        await Eventually.TrueAsync(() => two.Reconciler.Calls > 0, "the new leader reconciles");
        await stop.CancelAsync();
        await runTwo;
        await app.StopAsync();
    }
}
