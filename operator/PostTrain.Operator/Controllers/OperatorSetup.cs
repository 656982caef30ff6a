using System.Diagnostics.Metrics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Events;
using PostTrain.Kube.Informers;
using PostTrain.Kube.Leader;
using PostTrain.Kube.Models;
using PostTrain.Kube.Queue;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;
using PostTrain.Operator.Workers;

namespace PostTrain.Operator.Controllers;

/// <summary>What the operator runs with: namespace, concurrency, timing, rendering, identity.</summary>
public sealed record OperatorSettings
{
    /// <summary>The namespaces to watch; empty for all namespaces.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>Reconcile workers per kind.</summary>
    public int Concurrency { get; init; } = 2;

    /// <summary>Rendering settings (image, GPU resource name).</summary>
    public WorkloadOptions Workload { get; init; } = new();

    /// <summary>Reconciler timing.</summary>
    public ReconcilerOptions Reconciler { get; init; } = new();

    /// <summary>This replica's identity (events, leases).</summary>
    public string Identity { get; init; } = Environment.MachineName;

    /// <summary>Leader election; null runs without it.</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>The work queue's rate limiter; null for controller-runtime's defaults.</summary>
    public IRateLimiter<string>? RateLimiter { get; init; }

    /// <summary>Informer backoff after a failed list or watch.</summary>
    public TimeSpan InformerBackoff { get; init; } = TimeSpan.FromMilliseconds(800);
}

/// <summary>
/// Wires the operator: per watched namespace (or for all), one informer per PostTrain kind plus shared informers for
/// batch Jobs, pods and ConfigMaps (selected by the <c>posttrain.dev/job</c> label), a controller per kind sharing
/// <see cref="JobReconciler"/>,
/// metrics on the <c>PostTrain.Operator</c> meter and the <see cref="ControllerManager"/> (with leader election
/// when configured).
/// </summary>
public sealed class OperatorSetup
{
    /// <summary>The meter name of the operator's metrics.</summary>
    public const string MeterName = "PostTrain.Operator";

    /// <summary>
    /// The index of each PostTrain job informer by the jobs it names in <c>fromJob</c>: values
    /// <c>namespace/Kind/name</c>, so a dependency's change finds its dependents without scanning every job.
    /// </summary>
    public const string DependencyIndex = "posttrain.dev/fromJob";

    private OperatorSetup(ControllerManager manager, OperatorContext context, IReadOnlyList<NamespaceScope> scopes, IReadOnlyList<Controller<JobResource>> controllers)
    {
        Manager = manager;
        Context = context;
        Scopes = scopes;
        Controllers = controllers;
    }

    /// <summary>The manager to run.</summary>
    public ControllerManager Manager { get; }

    /// <summary>The shared context (caches, client).</summary>
    public OperatorContext Context { get; }

    /// <summary>The informers of each watched namespace (one scope with a null namespace when watching all).</summary>
    public IReadOnlyList<NamespaceScope> Scopes { get; }

    /// <summary>The controllers: three per scope.</summary>
    public IReadOnlyList<Controller<JobResource>> Controllers { get; }

    /// <summary>Builds everything; nothing runs until <see cref="ControllerManager.RunAsync"/>.</summary>
    public static OperatorSetup Create(KubernetesClient client, OperatorSettings settings, IWorkerStatusClient workers, Meter meter, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(loggers);
        time ??= TimeProvider.System;
        var namespaces = settings.Namespaces.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Select(n => (string?)n).ToList();
        if (namespaces.Count == 0)
        {
            namespaces.Add(null);
        }

        var scopes = namespaces.Select(ns => CreateScope(client, ns, settings, loggers, time)).ToList();
        var events = new EventRecorder(client, settings.Reconciler.FieldManager, settings.Identity, loggers.CreateLogger("events"), time);
        var context = new OperatorContext(client, events, workers, new WorkloadRenderer(settings.Workload), settings.Reconciler, time, loggers);

        var elector = settings.LeaderElection is { } election ? new LeaderElector(client, election, loggers.CreateLogger("leader"), time) : null;
        var manager = new ControllerManager(elector, loggers.CreateLogger("manager"));
        var metrics = new ControllerMetrics(meter, "posttrain");
        var controllers = new List<Controller<JobResource>>();
        foreach (var scope in scopes)
        {
            foreach (var kind in JobKinds.All)
            {
                var name = scopes.Count == 1 ? kind.Plural : $"{kind.Plural}/{scope.Namespace}";
                var controllerOptions = new ControllerOptions { Workers = settings.Concurrency, RateLimiter = settings.RateLimiter, TimeProvider = time };
                var primary = scope.Jobs[kind.Kind];
                var controller = new Controller<JobResource>(name, primary, new JobReconciler(kind, context, scope), controllerOptions, loggers.CreateLogger("controller." + name))
                    .Owns(scope.BatchJobs)
                    .Owns(scope.ConfigMaps)
                    .Watches(scope.Pods, pod => PodOwner(pod, kind));
                foreach (var dependency in JobKinds.All)
                {
                    controller.Watches(scope.Jobs[dependency.Kind], changed => Dependents(primary, dependency.Kind, changed));
                }

                metrics.Attach(controller);
                manager.Add(controller);
                controllers.Add(controller);
            }
        }

        JobMetrics.Register(meter, scopes);
        return new OperatorSetup(manager, context, scopes, controllers);
    }

    private static NamespaceScope CreateScope(KubernetesClient client, string? ns, OperatorSettings settings, ILoggerFactory loggers, TimeProvider time)
    {
        InformerOptions Options(string? selector) => new() { Namespace = ns, LabelSelector = selector, InitialBackoff = settings.InformerBackoff };
        var suffix = ns is null ? "" : "." + ns;
        var jobs = JobKinds.All.ToDictionary(
            d => d.Kind,
            d => new Informer<JobResource>(client.Resource<JobResource>(d), Options(null), loggers.CreateLogger("informer." + d.Plural + suffix), time));
        foreach (var informer in jobs.Values)
        {
            informer.Cache.AddIndex(DependencyIndex, DependencyKeys);
        }

        return new NamespaceScope(
            ns,
            jobs,
            new Informer<V1Job>(client.Jobs, Options(ChildNames.JobLabel), loggers.CreateLogger("informer.jobs" + suffix), time),
            new Informer<V1Pod>(client.Pods, Options(ChildNames.JobLabel), loggers.CreateLogger("informer.pods" + suffix), time),
            new Informer<V1ConfigMap>(client.ConfigMaps, Options(ChildNames.JobLabel), loggers.CreateLogger("informer.configmaps" + suffix), time));
    }

    private static IEnumerable<ReconcileRequest> PodOwner(V1Pod pod, ResourceDescriptor kind) =>
        pod.GetLabel(ChildNames.KindLabel) == kind.Kind && pod.GetLabel(ChildNames.JobLabel) is { } name
            ? [new ReconcileRequest(pod.Metadata.NamespaceProperty, name)]
            : [];

    private static IEnumerable<string> DependencyKeys(JobResource job) =>
        job.ReferencedJobs().Select(r => DependencyKey(job.Metadata.NamespaceProperty, r.Kind, r.Name)).Distinct(StringComparer.Ordinal).ToList();

    private static string DependencyKey(string? ns, string kind, string name) => $"{ns}/{kind}/{name}";

    private static IEnumerable<ReconcileRequest> Dependents(Informer<JobResource> primary, string dependencyKind, JobResource changed) =>
        primary.Cache.ByIndex(DependencyIndex, DependencyKey(changed.Metadata.NamespaceProperty, dependencyKind, changed.Metadata.Name ?? ""))
            .Select(r => new ReconcileRequest(r.Metadata.NamespaceProperty, r.Metadata.Name!))
            .ToList();
}
