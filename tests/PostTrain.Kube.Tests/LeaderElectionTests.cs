using System.Diagnostics;
using PostTrain.Kube.Client;
using PostTrain.Kube.Leader;

namespace PostTrain.Kube.Tests;

/// <summary>Leader election on a Lease: failover after a crash, a network partition, release on shutdown; never two leaders.</summary>
public sealed class LeaderElectionTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    // A renew deadline of 4 s: a loaded CI machine, running every test assembly at once, once stalled a renewal past
    // 2 s and the leader stepped down in the middle of the first test. The 1 s between renew deadline and lease
    // duration, which the partition test needs, is kept.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(300);

    /// <summary>Tracks who is leading, failing on any overlap.</summary>
    private sealed class LeadershipLog
    {
        private readonly Lock _gate = new();
        private readonly List<string> _current = [];

        public int MaxConcurrent { get; private set; }

        private readonly List<(string Who, TimeSpan At)> _starts = [];

        /// <summary>
        /// When <paramref name="who"/>'s leading callback first ran, or null before it has. The elector sets
        /// <c>IsLeader</c> before it invokes the callback, so tests wait for this rather than for <c>IsLeader</c>.
        /// </summary>
        public TimeSpan? StartOf(string who)
        {
            lock (_gate)
            {
                return _starts.Where(s => s.Who == who).Select(s => (TimeSpan?)s.At).FirstOrDefault();
            }
        }

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public async Task LeadAsync(string who, CancellationToken token)
        {
            lock (_gate)
            {
                _current.Add(who);
                MaxConcurrent = Math.Max(MaxConcurrent, _current.Count);
                _starts.Add((who, Clock.Elapsed));
            }

            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (_gate)
                {
                    _current.Remove(who);
                }
            }
        }

        public string[] Current
        {
            get
            {
                lock (_gate)
                {
                    return [.. _current];
                }
            }
        }
    }

    private LeaderElector Elector(KubernetesClient client, string lease, string id, bool release = true) =>
        new(client, new LeaderElectionOptions { LeaseName = lease, LeaseNamespace = "default", Identity = id, LeaseDuration = Lease, RenewDeadline = Renew, RetryPeriod = Retry, ReleaseOnCancel = release });

    [Fact]
    public async Task When_the_leader_dies_mid_lease_the_other_leads_within_the_lease_duration_and_never_alongside_it()
    {
        var lease = "crash-" + Guid.NewGuid().ToString("N")[..6];
        var log = new LeadershipLog();
        using var clientA = fixture.NewClient("candidate-a");
        using var clientB = fixture.NewClient("candidate-b");
        using var killA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var a = Elector(clientA, lease, "a", release: false);
        var runA = a.RunAsync(t => log.LeadAsync("a", t), killA.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a leads");
        var b = Elector(clientB, lease, "b");
        var runB = b.RunAsync(t => log.LeadAsync("b", t), stopB.Token);
        await Eventually.TrueAsync(() => b.ObservedLeader == "a", "b is trying and has seen a's lease");

        // Kept on the wall clock: what is checked is that a lease renewed in time is not taken over, and lease expiry
        // is measured in real time by two electors and the API server, so one lease duration has to pass.
        await Task.Delay(Lease + Retry);
        b.IsLeader.ShouldBeFalse("b must wait while a renews");
        log.Current.ShouldBe(["a"]);

        var killedAt = log.Clock.Elapsed;
        await killA.CancelAsync(); // a crash: no release
        await runA;
        await Eventually.TrueAsync(() => b.IsLeader && log.StartOf("b") is not null, "b takes over", seconds: 10);
        var takeover = log.StartOf("b")!.Value - killedAt;
        takeover.ShouldBeLessThan(Lease + Retry + Retry + TimeSpan.FromMilliseconds(1500), "b leads within the lease duration after a's last renewal (plus a retry period and scheduling slack)");
        takeover.ShouldBeGreaterThan(Lease - Renew, "b must wait out a's lease");
        log.MaxConcurrent.ShouldBe(1);

        var stored = await fixture.Client.Leases.GetAsync(lease, "default");
        stored.Spec.HolderIdentity.ShouldBe("b");
        stored.Spec.LeaseTransitions.ShouldBe(1);

        await stopB.CancelAsync();
        (await runB).ShouldBeFalse();
        (await fixture.Client.Leases.GetAsync(lease, "default")).Spec.HolderIdentity.ShouldBeNull("b released the lease on shutdown");
    }

    [Fact]
    public async Task A_partitioned_leader_stops_before_the_other_starts()
    {
        var lease = "blip-" + Guid.NewGuid().ToString("N")[..6];
        var log = new LeadershipLog();
        using var clientA = fixture.NewClient("partitioned-a", timeout: TimeSpan.FromSeconds(5));
        using var clientB = fixture.NewClient("healthy-b");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var a = Elector(clientA, lease, "a");
        var runA = a.RunAsync(t => log.LeadAsync("a", t), stop.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a leads");
        var b = Elector(clientB, lease, "b");
        var runB = b.RunAsync(t => log.LeadAsync("b", t), stop.Token);

        TimeSpan aStopped;
        using (fixture.Server.Faults.Partition(r => r.Headers.UserAgent.ToString().Contains("partitioned-a", StringComparison.Ordinal)))
        {
            var lost = await runA.WaitAsync(TimeSpan.FromSeconds(10));
            aStopped = log.Clock.Elapsed;
            lost.ShouldBeTrue("a gives up leadership when it cannot renew");
            a.IsLeader.ShouldBeFalse();
            await Eventually.TrueAsync(() => b.IsLeader && log.StartOf("b") is not null, "b takes over");
        }

        log.MaxConcurrent.ShouldBe(1);
        (log.StartOf("b")!.Value - aStopped).ShouldBeGreaterThan(TimeSpan.Zero);
        await stop.CancelAsync();
        await runB;
    }

    [Fact]
    public async Task Releasing_on_shutdown_hands_over_without_waiting_out_the_lease()
    {
        var lease = "release-" + Guid.NewGuid().ToString("N")[..6];
        var log = new LeadershipLog();
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var a = Elector(fixture.Client, lease, "a");
        var runA = a.RunAsync(t => log.LeadAsync("a", t), stopA.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a leads");
        var b = Elector(fixture.Client, lease, "b");
        var runB = b.RunAsync(t => log.LeadAsync("b", t), stopB.Token);
        await Eventually.TrueAsync(() => b.ObservedLeader == "a", "b is trying and has seen a's lease");
        var released = log.Clock.Elapsed;
        await stopA.CancelAsync();
        (await runA).ShouldBeFalse();
        await Eventually.TrueAsync(() => b.IsLeader && log.StartOf("b") is not null, "b takes over");
        (log.StartOf("b")!.Value - released).ShouldBeLessThan(Lease, "a released lease is taken at the next retry");
        log.MaxConcurrent.ShouldBe(1);
        await stopB.CancelAsync();
        await runB;
    }

    [Fact]
    public void Defaults_are_client_go_s_and_unsafe_timings_are_rejected()
    {
        var options = new LeaderElectionOptions { LeaseName = "l", LeaseNamespace = "n", Identity = "i" };
        options.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(15));
        options.RenewDeadline.ShouldBe(TimeSpan.FromSeconds(10));
        options.RetryPeriod.ShouldBe(TimeSpan.FromSeconds(2));
        Should.Throw<ArgumentException>(() => (options with { RenewDeadline = TimeSpan.FromSeconds(20) }).Validate()).Message.ShouldContain("RenewDeadline");
    }
}
