using k8s.Models;
using PostTrain.Kube.Informers;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Controllers;

/// <summary>The informers of one watched namespace (or of all namespaces): the three kinds and the children.</summary>
/// <param name="Namespace">The namespace; null for all.</param>
/// <param name="Jobs">The informer of each PostTrain kind, by kind name.</param>
/// <param name="BatchJobs">batch/v1 Jobs labelled as PostTrain children.</param>
/// <param name="Pods">Worker pods.</param>
/// <param name="ConfigMaps">The job.json ConfigMaps.</param>
public sealed record NamespaceScope(
    string? Namespace,
    IReadOnlyDictionary<string, Informer<JobResource>> Jobs,
    Informer<V1Job> BatchJobs,
    Informer<V1Pod> Pods,
    Informer<V1ConfigMap> ConfigMaps);
