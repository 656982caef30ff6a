using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Api.Jobs;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using BatchJob = k8s.Models.V1Job;

namespace PostTrain.Operator.Controllers;

/// <summary>
/// Finds, creates, adopts and updates one job's children: the job.json ConfigMap, the headless Service, the egress
/// NetworkPolicy and the batch Job. Reads go to the informer caches first and then to what this operator created
/// but the caches do not show yet (<see cref="ChildExpectations"/>); children named by an older operator version
/// (without the kind) are adopted when the job controls them.
/// </summary>
internal sealed class ChildSync
{
    private readonly ResourceDescriptor _kind;
    private readonly OperatorContext _context;
    private readonly NamespaceScope _scope;
    private readonly ILogger _logger;

    /// <summary>Creates the child sync for <paramref name="kind"/> in one watched <paramref name="scope"/>.</summary>
    public ChildSync(ResourceDescriptor kind, OperatorContext context, NamespaceScope scope, ILogger logger)
    {
        _kind = kind;
        _context = context;
        _scope = scope;
        _logger = logger;
    }

    /// <summary>The batch Job and ConfigMap under their current names, or (when no such batch Job exists) under the legacy names.</summary>
    public (BatchJob? Batch, V1ConfigMap? Config) FindRunning(JobResource resource)
    {
        var ns = resource.Metadata.NamespaceProperty;
        var batch = CachedOrCreated(_scope.BatchJobs, ns, ChildNames.BatchJob(resource.Metadata.Name!, _kind.Kind));
        var config = CachedOrCreated(_scope.ConfigMaps, ns, ChildNames.ConfigMap(resource.Metadata.Name!, _kind.Kind));
        if (batch is null && LegacyChild(_scope.BatchJobs, resource, resource.Metadata.Name!) is { } legacy)
        {
            batch = legacy;
            config = LegacyChild(_scope.ConfigMaps, resource, resource.Metadata.Name + "-config");
        }

        return (batch, config);
    }

    /// <summary>The batch Job under its current name, else under its legacy name (then <c>Legacy</c> is true); null when neither exists.</summary>
    public (BatchJob? Batch, bool Legacy) FindBatchJob(JobResource resource)
    {
        var existing = CachedOrCreated(_scope.BatchJobs, resource.Metadata.NamespaceProperty, ChildNames.BatchJob(resource.Metadata.Name!, _kind.Kind));
        if (existing is null && LegacyChild(_scope.BatchJobs, resource, resource.Metadata.Name!) is { } adopted)
        {
            // Created by an operator version that named children without the kind: keep using them.
            return (adopted, true);
        }

        return (existing, false);
    }

    /// <summary>The job.json ConfigMap that goes with the batch Job found by <see cref="FindBatchJob"/>.</summary>
    public V1ConfigMap? FindConfig(JobResource resource, RenderedWorkload workload, bool legacy) => legacy
        ? LegacyChild(_scope.ConfigMaps, resource, resource.Metadata.Name + "-config")
        : CachedOrCreated(_scope.ConfigMaps, resource.Metadata.NamespaceProperty, workload.Config.Metadata.Name);

    /// <summary>Creates the children that do not exist (one that exists already is left as it is) and returns the batch Job.</summary>
    public async Task<(BatchJob Batch, V1ConfigMap? Config)> CreateMissingAsync(RenderedWorkload workload, BatchJob? batch, V1ConfigMap? config, CancellationToken cancellationToken)
    {
        config ??= await EnsureCreatedAsync(_context.Client.ConfigMaps, workload.Config, needObject: false, cancellationToken).ConfigureAwait(false);
        if (workload.Service is { } service)
        {
            await EnsureCreatedAsync(_context.Client.Services, service, needObject: false, cancellationToken).ConfigureAwait(false);
        }

        if (workload.NetworkPolicy is { } policy)
        {
            await EnsureCreatedAsync(_context.Client.NetworkPolicies, policy, needObject: false, cancellationToken).ConfigureAwait(false);
        }

        batch ??= (await EnsureCreatedAsync(_context.Client.Jobs, workload.Job, needObject: true, cancellationToken).ConfigureAwait(false))!;
        return (batch, config);
    }

    /// <summary>Whether the job still exists as this object (same uid, not being deleted), read from the API server.</summary>
    public async Task<bool> StillExistsAsync(JobResource resource, CancellationToken cancellationToken)
    {
        var live = await _context.JobClient(_kind).TryGetAsync(resource.Metadata.Name!, resource.Metadata.NamespaceProperty, cancellationToken).ConfigureAwait(false);
        return live is not null && live.Metadata.Uid == resource.Metadata.Uid && live.Metadata.DeletionTimestamp is null;
    }

    /// <summary>The worker pods of the job, from the cache.</summary>
    public List<V1Pod> WorkerPods(JobResource resource) =>
        _scope.Pods.Cache.ByIndex(Indexer<V1Pod>.NamespaceIndex, resource.Metadata.NamespaceProperty ?? "")
            .Where(p => p.GetLabel(ChildNames.KindLabel) == _kind.Kind && p.GetLabel(ChildNames.JobLabel) == resource.Metadata.Name)
            .ToList();

    /// <summary>
    /// Brings the batch Job's mutable fields in step with the spec: <c>suspend</c> (left to the queue when the job
    /// names one), <c>backoffLimit</c>, <c>activeDeadlineSeconds</c>, and the scheduling directives while suspended.
    /// </summary>
    public async Task<BatchJob> SyncBatchJobAsync(PostTrainJob job, BatchJob current, BatchJob desired, CancellationToken cancellationToken)
    {
        var spec = job.CommonSpec;
        var ns = current.Metadata.NamespaceProperty;
        var name = current.Metadata.Name!;
        var suspended = current.Spec.Suspend == true;
        var hasQueue = spec.Scheduling?.QueueName is { Length: > 0 };
        var changeSuspend = spec.Suspend ? !suspended : suspended && !hasQueue;
        var changeLimits = current.Spec.BackoffLimit != desired.Spec.BackoffLimit || current.Spec.ActiveDeadlineSeconds != desired.Spec.ActiveDeadlineSeconds;
        var changeScheduling = suspended && !BatchJobScheduling.Same(current, desired);
        if (changeScheduling && current.Status?.StartTime is not null)
        {
            if ((current.Status.Active ?? 0) > 0)
            {
                // Suspended, but its pods are still terminating: the Job's update (active 0) brings us back.
                changeScheduling = false;
            }
            else
            {
                // Kubernetes lets the pod template's scheduling directives change only while the Job is suspended and
                // has not started (status.startTime unset); a Job suspended after it ran keeps its startTime. Clear
                // it, as Kueue and JobSet do (the Job controller sets it again when the Job resumes).
                _logger.LogInformation("{Kind} {Namespace}/{Name}: clearing the suspended batch Job's startTime to update its scheduling", _kind.Kind, ns, name);
                current = await _context.Client.Jobs.UpdateAsync(
                    name,
                    j =>
                    {
                        if (j.Spec.Suspend == true && j.Status is { Active: null or 0 } status)
                        {
                            status.StartTime = null;
                        }
                    },
                    ns,
                    status: true,
                    cancellationToken).ConfigureAwait(false);
                changeScheduling = current.Status?.StartTime is null;
            }
        }

        if (!changeSuspend && !changeLimits && !changeScheduling)
        {
            return current;
        }

        _logger.LogInformation(
            "{Kind} {Namespace}/{Name}: updating the batch Job (suspend {From} -> {To}{Limits}{Scheduling})",
            _kind.Kind,
            ns,
            name,
            suspended,
            changeSuspend ? spec.Suspend : suspended,
            changeLimits ? ", backoffLimit/activeDeadlineSeconds" : "",
            changeScheduling ? ", scheduling" : "");
        return await _context.Client.Jobs.UpdateAsync(
            name,
            j =>
            {
                if (changeScheduling && j.Spec.Suspend == true && j.Status?.StartTime is null)
                {
                    BatchJobScheduling.Apply(j, desired);
                }

                j.Spec.BackoffLimit = desired.Spec.BackoffLimit;
                j.Spec.ActiveDeadlineSeconds = desired.Spec.ActiveDeadlineSeconds;
                if (changeSuspend)
                {
                    j.Spec.Suspend = spec.Suspend;
                }
            },
            ns,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the current job.json to the ConfigMap when every edit reached the batch Job (or concerns only the
    /// operator), so a retried pod and a reader of the ConfigMap see the spec in effect.
    /// </summary>
    public async Task SyncConfigAsync(V1ConfigMap? config, V1ConfigMap desired, IReadOnlyList<string> drift, BatchJob batch, BatchJob desiredJob, CancellationToken cancellationToken)
    {
        if (config is null || drift.Count == 0 || SpecDrift.Ignored(drift, batch, desiredJob).Count > 0)
        {
            // Unchanged, or some edit cannot reach the workload: job.json keeps describing what actually runs.
            return;
        }

        var json = desired.Data!["job.json"];
        var updated = await _context.Client.ConfigMaps.UpdateAsync(config.Metadata.Name!, c => (c.Data ??= new Dictionary<string, string>())["job.json"] = json, config.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        _context.Expectations.Created(updated);
    }

    private async Task<T?> EnsureCreatedAsync<T>(ResourceClient<T> client, T desired, bool needObject, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            var created = await client.CreateAsync(desired, _context.Options.FieldManager, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("{Kind} {Namespace}/{Name}: created {ChildKind} {Child}", _kind.Kind, desired.Metadata.NamespaceProperty, OwnerReferences.GetController(desired)?.Name, desired.Kind, desired.Metadata.Name);
            _context.Expectations.Created(created);
            return created;
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            // Created before (by an earlier reconcile or replica) and not in the cache yet. Only the batch Job is
            // needed (its owner and status); the others are fine as they are.
            if (!needObject)
            {
                return null;
            }

            var found = await client.GetAsync(desired.Metadata.Name!, desired.Metadata.NamespaceProperty, cancellationToken).ConfigureAwait(false);
            _context.Expectations.Created(found);
            return found;
        }
    }

    /// <summary>A child under its name from before names carried the kind (<c>NAME</c>, <c>NAME-config</c>), when this job controls it.</summary>
    private static T? LegacyChild<T>(Informer<T> informer, JobResource owner, string name)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        informer.Cache.Get(owner.Metadata.NamespaceProperty, name) is { } child && OwnerReferences.IsControlledBy(child, owner) ? child : null;

    private T? CachedOrCreated<T>(Informer<T> informer, string? ns, string? name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (informer.Cache.Get(ns, name!) is { } cached)
        {
            _context.Expectations.Observed<T>(ns, name);
            return cached;
        }

        return _context.Expectations.Get<T>(ns, name);
    }
}
