using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Client;

namespace PostTrain.Kube.Leader;

/// <summary>
/// Leader election on a Lease, as client-go's leaderelection: candidates take the Lease when its holder has not
/// renewed it for LeaseDuration (judged by when this candidate observed the last change, so clocks need not agree);
/// the leader renews every RetryPeriod and gives up leadership, cancelling its work, if it cannot renew within
/// RenewDeadline. Because RenewDeadline &lt; LeaseDuration, the old leader stops before anyone else can start.
/// </summary>
public sealed class LeaderElector
{
    private readonly ResourceClient<V1Lease> _leases;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private V1LeaseSpec? _observed;
    private string? _observedVersion;
    private DateTimeOffset _observedAt;
    private volatile bool _isLeader;

    /// <summary>Creates an elector.</summary>
    public LeaderElector(KubernetesClient client, LeaderElectionOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        options.Validate();
        _leases = client.Leases;
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The options.</summary>
    public LeaderElectionOptions Options { get; }

    /// <summary>Whether this candidate currently leads.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holder this candidate last observed.</summary>
    public string? ObservedLeader => _observed?.HolderIdentity;

    /// <summary>
    /// Campaigns until elected, runs <paramref name="lead"/> with a token cancelled when leadership is lost or
    /// <paramref name="cancellationToken"/> fires, and returns after leadership ends (releasing the Lease on
    /// cancellation when so configured). Returns true when leadership was lost rather than given up.
    /// </summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _logger.LogInformation("leader election: {Identity} became leader of lease {Namespace}/{Lease}", Options.Identity, Options.LeaseNamespace, Options.LeaseName);
        var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
        var lost = await RenewUntilLostAsync(cancellationToken).ConfigureAwait(false);
        _isLeader = false;
        await leading.CancelAsync().ConfigureAwait(false);
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "leader election: the leader's work failed");
        }

        if (lost)
        {
            _logger.LogWarning("leader election: {Identity} lost lease {Namespace}/{Lease}", Options.Identity, Options.LeaseNamespace, Options.LeaseName);
        }
        else if (Options.ReleaseOnCancel)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }

        return lost;
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(Options.RetryPeriod, cancellationToken).ConfigureAwait(false))
            {
                _isLeader = true;
                return true;
            }

            try
            {
                await Task.Delay(Jitter(Options.RetryPeriod), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Renews every RetryPeriod; returns true when the RenewDeadline passed without a renewal, false on cancellation.</summary>
    private async Task<bool> RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            while (true)
            {
                var remaining = lastRenew + Options.RenewDeadline - _time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    return true;
                }

                if (await TryAcquireOrRenewAsync(remaining, cancellationToken).ConfigureAwait(false))
                {
                    lastRenew = _time.GetUtcNow();
                    break;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }

                if (_observed?.HolderIdentity is { Length: > 0 } holder && holder != Options.Identity)
                {
                    return true;
                }

                remaining = lastRenew + Options.RenewDeadline - _time.GetUtcNow();
                var pause = TimeSpan.FromTicks(Math.Min(Options.RetryPeriod.Ticks / 4, Math.Max(0, remaining.Ticks)));
                try
                {
                    await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }

        return false;
    }

    private async Task<bool> TryAcquireOrRenewAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(budget);
        try
        {
            var now = _time.GetUtcNow();
            var lease = await _leases.TryGetAsync(Options.LeaseName, Options.LeaseNamespace, attempt.Token).ConfigureAwait(false);
            if (lease is null)
            {
                var created = await _leases.CreateAsync(
                    new V1Lease
                    {
                        Metadata = new V1ObjectMeta { Name = Options.LeaseName, NamespaceProperty = Options.LeaseNamespace },
                        Spec = new V1LeaseSpec { HolderIdentity = Options.Identity, LeaseDurationSeconds = DurationSeconds, AcquireTime = now.UtcDateTime, RenewTime = now.UtcDateTime, LeaseTransitions = 0 },
                    },
                    cancellationToken: attempt.Token).ConfigureAwait(false);
                Observe(created, _time.GetUtcNow());
                return true;
            }

            if (lease.Metadata.ResourceVersion != _observedVersion)
            {
                Observe(lease, now);
            }

            var spec = lease.Spec;
            var held = !string.IsNullOrEmpty(spec.HolderIdentity) && spec.HolderIdentity != Options.Identity;
            var duration = TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? DurationSeconds);
            if (held && _observedAt + duration > now)
            {
                return false;
            }

            var mine = spec.HolderIdentity == Options.Identity;
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = Options.Identity,
                LeaseDurationSeconds = DurationSeconds,
                AcquireTime = mine ? spec.AcquireTime ?? now.UtcDateTime : now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = mine ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
            };
            var updated = await _leases.ReplaceAsync(lease, cancellationToken: attempt.Token).ConfigureAwait(false);
            Observe(updated, _time.GetUtcNow());
            return true;
        }
        catch (OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("leader election: {Identity}: lease request timed out", Options.Identity);
            }

            return false;
        }
        catch (KubernetesApiException e) when (e.IsConflict || e.IsAlreadyExists)
        {
            return false;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning("leader election: {Identity}: lease request failed: {Message}", Options.Identity, e.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(Options.RenewDeadline);
        try
        {
            var lease = await _leases.TryGetAsync(Options.LeaseName, Options.LeaseNamespace, timeout.Token).ConfigureAwait(false);
            if (lease?.Spec.HolderIdentity != Options.Identity)
            {
                return;
            }

            var now = _time.GetUtcNow();
            lease.Spec = new V1LeaseSpec { HolderIdentity = null, LeaseDurationSeconds = 1, AcquireTime = now.UtcDateTime, RenewTime = now.UtcDateTime, LeaseTransitions = lease.Spec.LeaseTransitions };
            await _leases.ReplaceAsync(lease, cancellationToken: timeout.Token).ConfigureAwait(false);
            _logger.LogInformation("leader election: {Identity} released lease {Namespace}/{Lease}", Options.Identity, Options.LeaseNamespace, Options.LeaseName);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            _logger.LogWarning("leader election: {Identity} could not release the lease: {Message}", Options.Identity, e.Message);
        }
    }

    private void Observe(V1Lease lease, DateTimeOffset at)
    {
        _observed = lease.Spec;
        _observedVersion = lease.Metadata.ResourceVersion;
        _observedAt = at;
    }

    private int DurationSeconds => (int)Math.Max(1, Math.Ceiling(Options.LeaseDuration.TotalSeconds));

    private static TimeSpan Jitter(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));
}
